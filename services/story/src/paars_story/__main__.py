"""`python -m paars_story [serve|migrate]`."""
import sys

from paars_platform.runtime import main
from paars_story.bootstrap import build

main(build, "story", sys.argv)
