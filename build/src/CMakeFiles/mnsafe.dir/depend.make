# Empty dependencies file for mnsafe.
# This may be replaced when dependencies are built.
