package console

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/monsys/monsys/auth"
	"github.com/monsys/monsys/wire"
)

// grantKeyName is the hub_keys row of the grant-signing key.
const grantKeyName = "grant"

// HubKey is the hub's Ed25519 key that signs emergency grants.
type HubKey struct {
	priv ed25519.PrivateKey
	// Public is the public key, base64 std, as agents pin it.
	Public string
}

// LoadHubKey reads the hub's grant key, generating and storing it the
// first time (the seed sealed with sealKey as TOTP secrets are; nil
// sealKey stores it unsealed, as TOTP secrets are then). Concurrent first
// starts agree on one key.
func LoadHubKey(ctx context.Context, pool *pgxpool.Pool, sealKey []byte) (*HubKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate the hub's grant key: %w", err)
	}
	sealed, err := auth.SealTOTP(sealKey, grantKeyName, base64.StdEncoding.EncodeToString(priv.Seed()))
	if err != nil {
		return nil, err
	}
	pub := base64.StdEncoding.EncodeToString(priv.Public().(ed25519.PublicKey))
	if _, err := pool.Exec(ctx, `INSERT INTO hub_keys (name, sealed_seed, public_key) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`,
		grantKeyName, sealed, pub); err != nil {
		return nil, fmt.Errorf("store the hub's grant key: %w", err)
	}
	var stored string
	err = pool.QueryRow(ctx, `SELECT sealed_seed FROM hub_keys WHERE name = $1`, grantKeyName).Scan(&stored)
	if errors.Is(err, pgx.ErrNoRows) || err != nil {
		return nil, fmt.Errorf("read the hub's grant key: %w", err)
	}
	opened, err := auth.OpenTOTP(sealKey, grantKeyName, stored)
	if err != nil {
		return nil, fmt.Errorf("open the hub's grant key (MONSYS_TOTP_KEY changed?): %w", err)
	}
	seed, err := base64.StdEncoding.DecodeString(opened)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, errors.New("the stored hub grant key is not an Ed25519 seed")
	}
	k := ed25519.NewKeyFromSeed(seed)
	return &HubKey{priv: k, Public: base64.StdEncoding.EncodeToString(k.Public().(ed25519.PublicKey))}, nil
}

// Sign signs a grant for its agent.
func (k *HubKey) Sign(g wire.EmergencyGrant) wire.SignedGrant { return wire.SignGrant(k.priv, g) }
