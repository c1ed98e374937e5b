/*
 * noise_internal.h: what the files of noise/ share and nobody else sees.
 * The AES-GCM backend interface (so no #ifdef or backend test sits inside
 * a function body) and the layouts of the states that embed each other:
 * a handshake embeds a SymmetricState, which embeds a CipherState.
 */
#ifndef WALINK_NOISE_INTERNAL_H
#define WALINK_NOISE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "noise/noise.h"

#define NOISE_GCM_NONCE_LEN 12	/* 8 zero bytes + 32-bit BE counter, §2 */

struct noise_gcm;

/*
 * One AES-256-GCM implementation. seal writes len + NOISE_TAG_LEN bytes,
 * open reads len (tag included) and writes len - NOISE_TAG_LEN; both allow
 * out == in. open returns NOISE_ERR_AEAD on a bad tag.
 */
struct noise_gcm_ops {
	const char	*name;
	int		(*init)(struct noise_gcm *, const uint8_t *key);
	int		(*seal)(struct noise_gcm *, const uint8_t *nonce,
			    const uint8_t *ad, size_t adlen, const uint8_t *in,
			    size_t len, uint8_t *out);
	int		(*open)(struct noise_gcm *, const uint8_t *nonce,
			    const uint8_t *ad, size_t adlen, const uint8_t *in,
			    size_t len, uint8_t *out);
	void		(*fini)(struct noise_gcm *);
};

struct noise_gcm {
	union {
		crypto_aead_aes256gcm_state sodium;	/* expanded key, 16-aligned */
		struct {
			EVP_CIPHER_CTX	*enc;
			EVP_CIPHER_CTX	*dec;
		} ossl;
	} u;
	const struct noise_gcm_ops *ops;	/* NULL: no key yet */
};

extern const struct noise_gcm_ops noise_gcm_sodium_ops;
extern const struct noise_gcm_ops noise_gcm_openssl_ops;

/* The backend a new key gets now (env and force switch applied). */
const struct noise_gcm_ops *noise_gcm_pick(void);

struct noise_cipher {
	struct noise_gcm gcm;		/* first: keeps its 16-byte alignment */
	uint64_t	 n;
	bool		 failed;	/* a decrypt failed: sticky */
};

void	noise_cipher_init(struct noise_cipher *);
int	noise_cipher_init_key(struct noise_cipher *, const uint8_t key[static NOISE_KEY_LEN]);
void	noise_cipher_fini(struct noise_cipher *);
bool	noise_cipher_has_key(const struct noise_cipher *);

struct noise_symmetric {
	struct noise_cipher cs;
	uint8_t		 ck[NOISE_HASH_LEN];
	uint8_t		 h[NOISE_HASH_LEN];
};

int	noise_symmetric_init(struct noise_symmetric *, const char *protocol_name);
void	noise_symmetric_fini(struct noise_symmetric *);

/* Object allocation: sodium_malloc'd, wiped and guarded (STYLE rule 8). */
void	*noise_alloc(size_t);
void	 noise_dealloc(void *);	/* NULL-safe; wipes */

#endif
