# Runs two abi_probe commands and requires both to succeed and to print the
# same report, which must name every expected component. Used by the ABI
# stability tests (tests/abi/CMakeLists.txt) as
#   cmake -DPROBE_A=exe -DARGS_A=p1|p2 -DPROBE_B=exe -DARGS_B=p1|p2
#         -DEXPECT=kind name|kind name -DOUT=dir -P compare_probes.cmake
# Lists use '|' so that they survive add_test().
foreach(var PROBE_A ARGS_A PROBE_B ARGS_B EXPECT OUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "compare_probes.cmake: ${var} is not set")
  endif()
endforeach()
file(MAKE_DIRECTORY ${OUT})

foreach(side A B)
  string(REPLACE "|" ";" args "${ARGS_${side}}")
  execute_process(COMMAND ${PROBE_${side}} ${args}
    OUTPUT_VARIABLE report ERROR_VARIABLE log RESULT_VARIABLE status)
  file(WRITE ${OUT}/report_${side}.txt "${report}")
  message(STATUS "probe ${side}: ${PROBE_${side}} ${args}\n${log}")
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "probe ${side} failed (exit ${status}):\n${log}")
  endif()
  set(report_${side} "${report}")
endforeach()

string(REPLACE "|" ";" expected "${EXPECT}")
foreach(component ${expected})
  string(FIND "${report_A}" "${component} " found)
  if(found EQUAL -1)
    message(FATAL_ERROR "report A lacks '${component}':\n${report_A}")
  endif()
endforeach()

if(NOT report_A STREQUAL report_B)
  execute_process(COMMAND diff -u ${OUT}/report_A.txt ${OUT}/report_B.txt
    OUTPUT_VARIABLE difference)
  message(FATAL_ERROR "the two probes disagree (A: ${PROBE_A} ${ARGS_A}; "
          "B: ${PROBE_B} ${ARGS_B}):\n${difference}")
endif()
string(REGEX MATCHALL "\n(optimizer|model|loss) " blocks "\n${report_A}")
list(LENGTH blocks count)
message(STATUS "identical reports, ${count} components")
