# Empty dependencies file for mnsafe_lib.
# This may be replaced when dependencies are built.
