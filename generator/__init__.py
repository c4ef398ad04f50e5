"""postclone: guarded ServiceNow post-clone automation, generated from one TOML file.

The pipeline, one module per step at this level: config -> plan -> render -> validate -> package ->
write (pipeline.py runs them). simulator/ is its test bed; review/ reads other people's files.
"""

__version__ = "0.1.0"
