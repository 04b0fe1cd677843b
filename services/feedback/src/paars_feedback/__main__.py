"""`python -m paars_feedback [serve|migrate]`."""
import sys

from paars_feedback.bootstrap import build
from paars_platform.runtime import main

main(build, "feedback", sys.argv)
