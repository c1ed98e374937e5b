# walink_part(NAME SRCS <files> INCLUDE <dir> LINKS <targets>): a part's
# static library, or an empty interface library while the part has no
# sources yet, so the tree builds at every stage of the project.
function(walink_part name)
	cmake_parse_arguments(P "" "INCLUDE" "SRCS;LINKS" ${ARGN})
	if(P_SRCS)
		add_library(${name} STATIC ${P_SRCS})
		set(scope PUBLIC)
	else()
		add_library(${name} INTERFACE)
		set(scope INTERFACE)
	endif()
	target_include_directories(${name} ${scope} ${P_INCLUDE})
	target_link_libraries(${name} ${scope} ${P_LINKS})
endfunction()
