"""Street Level's composition root: embedded mode, the demo data and the ``streetlevel`` CLI."""
