-- The PostgreSQL baseline of `innoclear bench redeem`: the same voucher redemption done the way a
-- careful provincial IT team would do it in one database. Loaded by innoclear-pg-bench before each
-- run; idempotent (drops and recreates everything). Plain PostgreSQL 11+, no extensions.
--
-- Money is bigint fen. A double redemption is impossible by construction: redemptions is UNIQUE
-- on the voucher and on the receipt, whatever the function above it gets wrong. The audit table
-- is a hash chain over the signed statements as received:
--   hash(seq) = sha256(hash(seq-1) || statement bytes (UTF-8) || signature (64 raw bytes)),
-- with hash(0) = 32 zero bytes and the last (seq, hash) in the one-row audit_head, written in the
-- same transaction as the redemption it records.
SET client_min_messages = warning;  -- the DROP … IF EXISTS notices are expected

DROP FUNCTION IF EXISTS redeem(text, bytea);
DROP FUNCTION IF EXISTS refuse(text, text);
DROP TABLE IF EXISTS redemptions, audit_head, audit, receipts, vouchers, budget, actors CASCADE;

CREATE TABLE actors (
  id   text PRIMARY KEY,
  role text NOT NULL CHECK (role IN ('office', 'provider', 'enterprise')),
  key  bytea NOT NULL CHECK (octet_length(key) = 32)  -- Ed25519 public key
);

-- One row per year. ratio_bp: the share of a receipt's price a voucher pays, in basis points.
CREATE TABLE budget (
  year      integer PRIMARY KEY,
  allocated bigint NOT NULL CHECK (allocated >= 0),
  redeemed  bigint NOT NULL DEFAULT 0 CHECK (redeemed >= 0 AND redeemed <= allocated),
  ratio_bp  integer NOT NULL CHECK (ratio_bp BETWEEN 0 AND 10000)
);

CREATE TABLE vouchers (
  id         text PRIMARY KEY,
  enterprise text NOT NULL REFERENCES actors (id),
  face       bigint NOT NULL CHECK (face > 0),
  amount     bigint CHECK (amount >= 0 AND amount <= face),  -- set when redeemed
  state      text NOT NULL CHECK (state IN ('live', 'redeemed', 'expired', 'revoked')),
  year       integer NOT NULL REFERENCES budget (year),
  expires    timestamptz NOT NULL
);

CREATE TABLE receipts (
  provider   text NOT NULL REFERENCES actors (id),
  receipt_id text NOT NULL,
  enterprise text NOT NULL REFERENCES actors (id),
  price      bigint NOT NULL CHECK (price >= 0),
  confirmed  boolean NOT NULL DEFAULT false,  -- countersigned by the enterprise
  PRIMARY KEY (provider, receipt_id)
);

CREATE TABLE audit (
  seq       bigint PRIMARY KEY CHECK (seq > 0),
  prev_hash bytea NOT NULL CHECK (octet_length(prev_hash) = 32),
  hash      bytea NOT NULL CHECK (octet_length(hash) = 32),
  statement text NOT NULL,                                      -- canonical JSON, as signed
  signature bytea NOT NULL CHECK (octet_length(signature) = 64)  -- Ed25519, by the statement's actor
);

CREATE TABLE audit_head (
  one  boolean PRIMARY KEY DEFAULT true CHECK (one),  -- at most one row
  seq  bigint NOT NULL,
  hash bytea NOT NULL CHECK (octet_length(hash) = 32)
);
INSERT INTO audit_head VALUES (true, 0, '\x0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE redemptions (
  voucher_id  text NOT NULL UNIQUE REFERENCES vouchers (id),
  provider    text NOT NULL,
  receipt_id  text NOT NULL,
  amount      bigint NOT NULL CHECK (amount >= 0),
  redeemed_at timestamptz NOT NULL DEFAULT now(),
  audit_seq   bigint NOT NULL UNIQUE REFERENCES audit (seq),
  UNIQUE (provider, receipt_id),
  FOREIGN KEY (provider, receipt_id) REFERENCES receipts (provider, receipt_id)
);

-- A refusal: SQLSTATE IC409, the message is innoclear's reason name (already_redeemed, …) and the
-- detail says why, so the application tier answers 409 with both.
CREATE FUNCTION refuse(reason text, detail text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'IC409', MESSAGE = reason, DETAIL = detail;
END $$;

-- Redeems a voucher against a receipt, pay-first, as `voucher.redeem` does in innoclear, in one
-- round trip. `statement` is the signed canonical JSON; the caller has checked its signature
-- against actors.key. The fields acted on are read from those same bytes, so the audit row is
-- exactly what was done. Returns {"amount","audit_seq","voucher_id"}; refuses with refuse().
--
-- Locks, always in this order so two redemptions cannot deadlock: the voucher, the receipt, then
-- the two rows every redemption writes, the year's budget and the audit head. Those two are taken
-- last because they are held until commit: every redemption waits for the one before it to be
-- durable.
CREATE FUNCTION redeem(statement text, signature bytea) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  parsed  jsonb := statement::jsonb;
  actor   text := parsed ->> 'actor';
  body    jsonb := parsed -> 'body';
  v       vouchers%ROWTYPE;
  r       receipts%ROWTYPE;
  ratio   integer;
  payable bigint;
  head    audit_head%ROWTYPE;
  chained bytea;
BEGIN
  IF parsed ->> 'kind' IS DISTINCT FROM 'voucher.redeem' THEN
    PERFORM refuse('bad_statement', 'not a voucher.redeem statement');
  END IF;
  SELECT * INTO v FROM vouchers WHERE id = body ->> 'voucher_id' FOR UPDATE;
  IF NOT FOUND THEN
    PERFORM refuse('not_found', format('no voucher %s', body ->> 'voucher_id'));
  END IF;
  IF v.enterprise <> actor THEN
    PERFORM refuse('not_own_party', format('voucher %s belongs to another enterprise', v.id));
  END IF;
  IF v.state = 'redeemed' THEN
    PERFORM refuse('already_redeemed', format('voucher %s was already redeemed', v.id));
  END IF;
  IF v.state <> 'live' THEN
    PERFORM refuse('voucher_not_live', format('voucher %s is %s', v.id, v.state));
  END IF;
  IF now() >= v.expires THEN
    PERFORM refuse('voucher_expired', format('voucher %s has expired', v.id));
  END IF;

  SELECT * INTO r FROM receipts
   WHERE provider = body ->> 'provider' AND receipt_id = body ->> 'receipt_id' FOR UPDATE;
  IF NOT FOUND THEN
    PERFORM refuse('not_found', format('no receipt %s/%s', body ->> 'provider', body ->> 'receipt_id'));
  END IF;
  IF r.enterprise <> v.enterprise THEN
    PERFORM refuse('receipt_mismatch', 'receipt is for another enterprise');
  END IF;
  IF NOT r.confirmed THEN
    PERFORM refuse('receipt_not_confirmed', 'the enterprise has not countersigned the receipt');
  END IF;
  -- Read after the receipt's lock, so a redemption that used it and committed meanwhile is seen.
  IF EXISTS (SELECT 1 FROM redemptions WHERE provider = r.provider AND receipt_id = r.receipt_id) THEN
    PERFORM refuse('receipt_consumed', format('receipt %s/%s was used', r.provider, r.receipt_id));
  END IF;

  SELECT ratio_bp INTO ratio FROM budget WHERE year = v.year;
  payable := least(v.face, r.price * ratio / 10000);
  UPDATE vouchers SET state = 'redeemed', amount = payable WHERE id = v.id;

  -- The hot rows, from here to the commit.
  UPDATE budget SET redeemed = redeemed + payable
   WHERE year = v.year AND redeemed + payable <= allocated;
  IF NOT FOUND THEN
    PERFORM refuse('budget_insufficient', format('the %s budget cannot pay voucher %s', v.year, v.id));
  END IF;
  SELECT * INTO head FROM audit_head FOR UPDATE;
  chained := sha256(head.hash || convert_to(statement, 'UTF8') || signature);
  INSERT INTO audit VALUES (head.seq + 1, head.hash, chained, statement, signature);
  UPDATE audit_head SET seq = head.seq + 1, hash = chained;
  INSERT INTO redemptions (voucher_id, provider, receipt_id, amount, audit_seq)
  VALUES (v.id, r.provider, r.receipt_id, payable, head.seq + 1);
  RETURN jsonb_build_object('amount', payable, 'audit_seq', head.seq + 1, 'voucher_id', v.id);
END $$;
