/* Linked into the test tools of make check-asan (not decodecheck, which
 * runs the engine): what they leak at exit is not ours to check, while
 * their memory errors still are.  ASAN_OPTIONS from the environment
 * overrides this. */
const char *__asan_default_options(void);

const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}
