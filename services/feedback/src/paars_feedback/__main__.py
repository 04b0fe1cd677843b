"""`python -m paars_feedback [serve|migrate]`."""
import sys

from paars_platform.runtime import main

from paars_feedback.bootstrap import build

main(build, "feedback", sys.argv)
