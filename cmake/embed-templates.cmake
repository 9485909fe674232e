# Embed the generator's template files (src/gen/templates/*.tmpl) in C:
#   cmake -DSRC_DIR=<dir> -DOUT=<file.c> -P embed-templates.cmake
# writes OUT with one byte array per file and the table of
# src/gen/templates.h.
file(GLOB inputs "${SRC_DIR}/*.tmpl")
list(SORT inputs)
set(code "/* Written by cmake/embed-templates.cmake from src/gen/templates/.  Do not edit. */\n")
string(APPEND code "#include \"gen/templates.h\"\n\n")
set(table "")
set(i 0)
foreach(f ${inputs})
  get_filename_component(name ${f} NAME)
  file(READ ${f} hex HEX)
  string(LENGTH "${hex}" hexlen)
  math(EXPR len "${hexlen} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(REGEX REPLACE "((0x..,){16})" "\\1\n" bytes "${bytes}")
  string(APPEND code "static const char file${i}[] = {\n${bytes}0x00 };\n\n")
  string(APPEND table "\t{ \"${name}\", file${i}, ${len} },\n")
  math(EXPR i "${i} + 1")
endforeach()
string(APPEND code "const strata__gen_tmpl_file strata__gen_tmpl_files[] = {\n${table}\t{ 0, 0, 0 },\n};\n")
file(WRITE "${OUT}" "${code}")
