# run_fuzz.cmake: runs one libFuzzer harness for CTest (see tests/CMakeLists.txt).
#
#   cmake -DFUZZER=<binary> -DSEEDS=<seed dir> -DWORK=<dir in the build tree>
#         -DFUZZ_ARGS="<libFuzzer flags>" -P run_fuzz.cmake
#
# New corpus entries go to WORK/corpus, emptied first so that every run starts
# from the seeds alone (with -seed fixed, a run that ends by -runs is
# reproducible); the seed directory in the source tree is only read. Crash
# inputs are kept in WORK/artifacts.
foreach(var FUZZER SEEDS WORK)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_fuzz.cmake: ${var} not set")
  endif()
endforeach()
file(REMOVE_RECURSE ${WORK}/corpus)
file(MAKE_DIRECTORY ${WORK}/corpus ${WORK}/artifacts)
separate_arguments(args UNIX_COMMAND "${FUZZ_ARGS}")
execute_process(
  COMMAND ${FUZZER} ${args} -artifact_prefix=${WORK}/artifacts/ ${WORK}/corpus ${SEEDS}
  WORKING_DIRECTORY ${WORK}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${FUZZER} failed (${rc}); crash input, if any, in ${WORK}/artifacts")
endif()
