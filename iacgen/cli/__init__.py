"""The command line: parse options, call iacgen.core, render. Nothing here decides.

Command modules import iacgen.core and iacgen.localcloud inside the command bodies, so `iacgen --help`
never loads boto3, moto or cfn-lint.
"""
