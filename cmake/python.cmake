# The Python module (python/snig): plain Python over libsnig.so (ctypes), so
# installing is copying it into the site folder of Debian's python3 under the
# prefix, with _install.py saying where the library is from there.
set(SNIG_INSTALL_PYTHON_DEFAULT OFF)
if(SNIG_BUILD_SHARED)
  # Debian's interpreter first: another python3 on PATH (pyenv...) would not
  # see Debian's python3-numpy / python3-scipy.
  find_program(SNIG_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH)
  find_program(SNIG_PYTHON3 python3)
  if(SNIG_PYTHON3)
    set(SNIG_INSTALL_PYTHON_DEFAULT ON)
  endif()
endif()
option(SNIG_INSTALL_PYTHON "Install the Python module (needs the shared library)"
       ${SNIG_INSTALL_PYTHON_DEFAULT})
if(SNIG_INSTALL_PYTHON)
  if(NOT SNIG_BUILD_SHARED)
    message(FATAL_ERROR "SNIG_INSTALL_PYTHON needs SNIG_BUILD_SHARED")
  endif()
  if(NOT DEFINED SNIG_PYTHON_INSTALL_DIR)
    # lib/python3.X/dist-packages on Debian (on sys.path for /usr/local),
    # lib/python3.X/site-packages elsewhere.
    execute_process(COMMAND ${SNIG_PYTHON3} -c
      "import sys; v = sys.version_info; d = 'dist-packages' if any(p.endswith('dist-packages') for p in sys.path) else 'site-packages'; print(f'lib/python{v[0]}.{v[1]}/{d}', end='')"
      OUTPUT_VARIABLE snig_pydir RESULT_VARIABLE snig_pyrc)
    if(NOT snig_pyrc EQUAL 0)
      set(snig_pydir lib/python3/dist-packages)
    endif()
    set(SNIG_PYTHON_INSTALL_DIR ${snig_pydir} CACHE PATH
        "Where the Python module goes (relative: under the prefix)")
  endif()
  install(DIRECTORY python/snig DESTINATION ${SNIG_PYTHON_INSTALL_DIR}
          FILES_MATCHING PATTERN "*.py" PATTERN "_install.py" EXCLUDE
          PATTERN "__pycache__" EXCLUDE)
  # Written at install time, so `cmake --install --prefix` and DESTDIR hold.
  install(CODE "
    set(pydir \"${SNIG_PYTHON_INSTALL_DIR}\")
    if(NOT IS_ABSOLUTE \"\${pydir}\")
      set(pydir \"\${CMAKE_INSTALL_PREFIX}/\${pydir}\")
    endif()
    file(RELATIVE_PATH rel \"\${pydir}/snig\"
         \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/libsnig.so.${PROJECT_VERSION_MAJOR}\")
    message(STATUS \"Installing: \$ENV{DESTDIR}\${pydir}/snig/_install.py\")
    file(WRITE \"\$ENV{DESTDIR}\${pydir}/snig/_install.py\"
         \"# Written by cmake --install: libsnig.so from this folder.\\nLIBRARY = \\\"\${rel}\\\"\\n\")
  ")
  message(STATUS "snig: Python module to ${SNIG_PYTHON_INSTALL_DIR} (${SNIG_PYTHON3})")
endif()
