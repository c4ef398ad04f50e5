"""`python -m generator`: the same as the `postclone` command."""

from generator.cli import main

main()
