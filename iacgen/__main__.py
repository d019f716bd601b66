"""`python -m iacgen`."""

from iacgen.cli.app import main

try:
    main()
finally:
    # CPython (3.11 to 3.13 at least) remembers a KeyboardInterrupt that left an exec() or eval() of a string
    # (dataclasses and namedtuple build methods that way) even when it was then caught, and a `python -m`
    # run then ends by re-raising SIGINT: a Ctrl-C landing there exited -2 instead of 130. A clean eval of a
    # string clears that flag; the console script (`iacgen`) exits by another path and is not affected.
    eval("None")
