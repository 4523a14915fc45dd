"""The registry's read side: hot reads with Core, records rendered by the database, exports."""
