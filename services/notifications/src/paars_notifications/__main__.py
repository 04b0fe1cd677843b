"""`python -m paars_notifications [serve|migrate]`."""
import sys

from paars_notifications.bootstrap import build
from paars_platform.runtime import main

main(build, "notifications", sys.argv)
