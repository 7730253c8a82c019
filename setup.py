"""The one build step pyproject.toml cannot express: the top-level arch_configs/ and workloads/
folders (the source of truth, edited in place) join the package list as accelsim.arch_configs,
accelsim.arch_configs.sweeps and accelsim.workloads, and docs/ as accelsim.docs for its references (mapped in pyproject.toml's package-dir), so a
wheel carries them and `accelsim list` / bundled names work after a plain `pip install`."""
from setuptools import find_namespace_packages, setup

BUNDLED = ["accelsim.arch_configs", "accelsim.arch_configs.sweeps", "accelsim.workloads", "accelsim.docs"]

setup(packages=find_namespace_packages(include=["accelsim", "accelsim.*"], exclude=["*.__pycache__"])
      + BUNDLED)
