#ifndef MH_CS_WRAP_H
#define MH_CS_WRAP_H
/*
 * cs-wrap.h - include ClearSilver without letting its cs_config.h redefine
 * (and blank) autoconf's PACKAGE_* macros. Include this, never
 * <ClearSilver.h> directly.
 */
#pragma push_macro("PACKAGE_NAME")
#pragma push_macro("PACKAGE_VERSION")
#pragma push_macro("PACKAGE_STRING")
#pragma push_macro("PACKAGE_TARNAME")
#pragma push_macro("PACKAGE_URL")
#pragma push_macro("PACKAGE_BUGREPORT")
#undef PACKAGE_NAME
#undef PACKAGE_VERSION
#undef PACKAGE_STRING
#undef PACKAGE_TARNAME
#undef PACKAGE_URL
#undef PACKAGE_BUGREPORT
#include <ClearSilver.h>
#undef PACKAGE_NAME
#undef PACKAGE_VERSION
#undef PACKAGE_STRING
#undef PACKAGE_TARNAME
#undef PACKAGE_URL
#undef PACKAGE_BUGREPORT
#pragma pop_macro("PACKAGE_NAME")
#pragma pop_macro("PACKAGE_VERSION")
#pragma pop_macro("PACKAGE_STRING")
#pragma pop_macro("PACKAGE_TARNAME")
#pragma pop_macro("PACKAGE_URL")
#pragma pop_macro("PACKAGE_BUGREPORT")

#endif
