from iacgen.cli.app import main

main()
