import sys

try:
    from sandbox.cli import main

    sys.exit(main())
except KeyboardInterrupt:  # Ctrl-C before the stack installed its own handler (while importing)
    sys.exit(130)
