"""`python -m paars_conversations [serve|migrate]`."""
import sys

from paars_conversations.bootstrap import build
from paars_platform.runtime import main

main(build, "conversations", sys.argv)
