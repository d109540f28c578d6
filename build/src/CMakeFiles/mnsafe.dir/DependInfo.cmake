
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/src/main.c" "src/CMakeFiles/mnsafe.dir/main.c.o" "gcc" "src/CMakeFiles/mnsafe.dir/main.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/build/lib/CMakeFiles/mns_vault.dir/DependInfo.cmake"
  "/work/main/build/lib/CMakeFiles/mns_audit.dir/DependInfo.cmake"
  "/work/main/build/lib/CMakeFiles/mns_store.dir/DependInfo.cmake"
  "/work/main/build/lib/CMakeFiles/mns_crypto.dir/DependInfo.cmake"
  "/work/main/build/lib/CMakeFiles/mns_core.dir/DependInfo.cmake"
  "/work/main/build/lib/CMakeFiles/mns_common.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
