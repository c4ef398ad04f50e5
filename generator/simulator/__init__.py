"""The test bed: run generated scripts against an emulated ServiceNow instance and report every change."""

# Bounds of one simulated run (`simulate --timeout`, `--max-memory`; kept here so the command line
# reads them without importing the engines): a script that loops or allocates without end is
# stopped, and the machine keeps its memory.
DEFAULT_TIMEOUT = 20.0  # seconds; the example's scripts take well under one on either engine
DEFAULT_MAX_MEMORY_MIB = 4096  # the engine's heap: V8's hard limit, Rhino's JVM -Xmx
# V8 (as mini-racer builds it, with pointer compression) holds at most 4 GiB of heap; past its heap
# limit it ends the process rather than the run, so run.py raises that limit to this once per process
# and stops a run by the hard limit, which --max-memory sets below it.
V8_MAX_MEMORY_MIB = 4096
