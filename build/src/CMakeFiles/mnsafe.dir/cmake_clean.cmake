file(REMOVE_RECURSE
  "CMakeFiles/mnsafe.dir/main.c.o"
  "CMakeFiles/mnsafe.dir/main.c.o.d"
  "mnsafe"
  "mnsafe.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/mnsafe.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
