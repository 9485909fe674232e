/*
 * The version 7 UUID generator the library and the SQLite extension share
 * (see uuid7.h).
 */
#include "core/uuid7.h"

void strata__uuid7_next(strata__uuid7 *g, uint64_t now_ms, uint8_t bytes[16])
{
	uint64_t ms = now_ms;
	if (ms <= g->last_ms) {
		ms = g->last_ms;
		if (++g->seq > 0x0fff) { /* counter spent: borrow the next millisecond */
			ms++;
			g->seq = 0;
		}
	} else {
		g->seq = (uint16_t)(((bytes[6] << 8) | bytes[7]) & 0x07ff); /* leave room to count */
	}
	g->last_ms = ms;
	for (int i = 0; i < 6; i++)
		bytes[i] = (uint8_t)(ms >> (40 - 8 * i));
	bytes[6] = (uint8_t)(0x70 | (g->seq >> 8));
	bytes[7] = (uint8_t)g->seq;
	bytes[8] = (uint8_t)((bytes[8] & 0x3f) | 0x80);
}

void strata__uuid_text(const uint8_t bytes[16], char out[37])
{
	static const char hex[] = "0123456789abcdef";
	char *p = out;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		*p++ = hex[bytes[i] >> 4];
		*p++ = hex[bytes[i] & 15];
	}
	*p = '\0';
}
