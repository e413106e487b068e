message(STATUS "snig: python later")
