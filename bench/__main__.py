"""`python -m bench`: every benchmark and one table (bench/all.py)."""

from bench.all import main

raise SystemExit(main())
