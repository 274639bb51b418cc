/* Logging: the only module that writes to stderr. */
#ifndef XRFB_UTIL_LOG_H
#define XRFB_UTIL_LOG_H

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Messages above `level` are dropped; default LOG_INFO. */
void log_set_level(int level);
int log_get_level(void);

/* One line, prefixed with a timestamp and the level; no newline needed. */
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
