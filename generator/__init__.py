"""postclone: guarded ServiceNow post-clone automation, generated from one TOML file.

Pipeline: config -> render -> validate -> package -> build (write).
"""

__version__ = "0.1.0"
