module streetlevel/bench/loadgen

go 1.19
