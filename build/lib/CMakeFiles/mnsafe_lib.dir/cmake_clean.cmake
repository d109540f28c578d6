file(REMOVE_RECURSE
  "CMakeFiles/mnsafe_lib.dir/common/error.c.o"
  "CMakeFiles/mnsafe_lib.dir/common/error.c.o.d"
  "libmnsafe.a"
  "libmnsafe.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/mnsafe_lib.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
