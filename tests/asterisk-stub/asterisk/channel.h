/* Stand-in for asterisk/channel.h (see ../README.md). */
#ifndef STUB_ASTERISK_CHANNEL_H
#define STUB_ASTERISK_CHANNEL_H

struct ast_channel;
const char *ast_channel_language(const struct ast_channel *chan);

#endif
