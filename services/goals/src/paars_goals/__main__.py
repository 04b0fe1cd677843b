"""`python -m paars_goals [serve|migrate]`."""
import sys

from paars_goals.bootstrap import build
from paars_platform.runtime import main

main(build, "goals", sys.argv)
