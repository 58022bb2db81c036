# Google's SentencePiece 0.1.97, encoder only, as the static library `sentencepiece`. The sources
# are fetched into build/third_party/ by fetch-sentencepiece.sh (pinned sha256), never copied into
# the repository. Its own CMakeLists is not used: it compiles every file with -pthread, -fPIC and
# -O3 (atomics and relocatable code in a single-threaded module, no size optimization) and
# always builds the trainer and the command-line tools. Here the same encoder sources (its
# SPM_SRCS, with the builtin protobuf-lite) become build/<build>/libsentencepiece.a with the
# project's toolchain and flags, so the native, fuzz (sanitized) and wasm builds each get theirs.
set(SENTENCEPIECE_DIR "${CMAKE_SOURCE_DIR}/build/third_party/sentencepiece-0.1.97")
if(NOT EXISTS "${SENTENCEPIECE_DIR}/.complete")
  execute_process(COMMAND bash "${CMAKE_SOURCE_DIR}/wasm/third_party/fetch-sentencepiece.sh"
                  RESULT_VARIABLE fetch_result)
  if(NOT fetch_result EQUAL 0)
    message(FATAL_ERROR "Could not fetch SentencePiece (see the message above).")
  endif()
endif()

set(SPM "${SENTENCEPIECE_DIR}")
set(SENTENCEPIECE_SOURCES
  ${SPM}/src/builtin_pb/sentencepiece.pb.cc
  ${SPM}/src/builtin_pb/sentencepiece_model.pb.cc
  ${SPM}/src/bpe_model.cc
  ${SPM}/src/char_model.cc
  ${SPM}/src/error.cc
  ${SPM}/src/filesystem.cc
  ${SPM}/src/model_factory.cc
  ${SPM}/src/model_interface.cc
  ${SPM}/src/normalizer.cc
  ${SPM}/src/sentencepiece_processor.cc
  ${SPM}/src/unigram_model.cc
  ${SPM}/src/util.cc
  ${SPM}/src/word_model.cc
  ${SPM}/third_party/absl/strings/string_view.cc
  ${SPM}/third_party/absl/flags/flag.cc)
foreach(file arena arenastring bytestream coded_stream common extension_set generated_enum_util
             generated_message_table_driven_lite generated_message_util implicit_weak_message
             int128 io_win32 message_lite parse_context repeated_field status statusor stringpiece
             stringprintf structurally_valid strutil time wire_format_lite zero_copy_stream
             zero_copy_stream_impl zero_copy_stream_impl_lite)
  list(APPEND SENTENCEPIECE_SOURCES ${SPM}/third_party/protobuf-lite/${file}.cc)
endforeach()

# config.h as its CMakeLists would configure it from config.h.in (configure_file rewrites it only
# when it changes, so a re-run of cmake does not recompile the library).
file(WRITE "${CMAKE_BINARY_DIR}/sentencepiece_config/config.h.in"
  "#ifndef CONFIG_H_\n#define CONFIG_H_\n#define VERSION \"0.1.97\"\n#define PACKAGE \"sentencepiece\"\n"
  "#define PACKAGE_STRING \"sentencepiece\"\n#endif  // CONFIG_H_\n")
configure_file("${CMAKE_BINARY_DIR}/sentencepiece_config/config.h.in"
               "${CMAKE_BINARY_DIR}/sentencepiece_config/config.h" COPYONLY)

add_library(sentencepiece STATIC ${SENTENCEPIECE_SOURCES})
target_include_directories(sentencepiece SYSTEM PUBLIC
  ${SPM} ${SPM}/src ${SPM}/src/builtin_pb ${SPM}/third_party ${SPM}/third_party/protobuf-lite
  "${CMAKE_BINARY_DIR}/sentencepiece_config")
# _USE_INTERNAL_STRING_VIEW must be seen by every includer of sentencepiece_processor.h (it picks
# the absl::string_view type). HAVE_PTHREAD only selects pthread_once-style locking, which
# Emscripten's single-threaded libc provides.
target_compile_definitions(sentencepiece PUBLIC _USE_INTERNAL_STRING_VIEW PRIVATE HAVE_PTHREAD=1)
# Upstream code: its warnings are not ours to fix. Its LOG/CHECK messages (in its headers too,
# hence PUBLIC) carry __FILE__: the prefix map keeps the checkout's absolute path out of the
# binary, so a build in any directory gives the same bytes.
target_compile_options(sentencepiece PRIVATE -w PUBLIC "-fmacro-prefix-map=${SPM}/=sentencepiece/")
if(EMSCRIPTEN)
  # Size over speed for the download: encoding is a small part of an embedding's time.
  target_compile_options(sentencepiece PRIVATE -Os)
endif()
