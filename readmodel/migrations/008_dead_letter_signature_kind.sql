-- A record whose signature does not verify may be forged by whoever can produce to the
-- topic. It gets a kind of its own, which `replayer dlq retry` never applies (ops
-- discard it). Letters written before this kind existed were filed as 'apply'; their
-- error says why.
ALTER TABLE projector_dead_letters DROP CONSTRAINT projector_dead_letters_error_kind_check,
    ADD CONSTRAINT projector_dead_letters_error_kind_check
        CHECK (error_kind IN ('decode', 'apply', 'attempts', 'blocked', 'signature'));
UPDATE projector_dead_letters SET error_kind = 'signature'
WHERE error_kind = 'apply' AND error LIKE '%verify: schemas: record signature%';

---- create above / drop below ----
UPDATE projector_dead_letters SET error_kind = 'apply' WHERE error_kind = 'signature';
ALTER TABLE projector_dead_letters DROP CONSTRAINT projector_dead_letters_error_kind_check,
    ADD CONSTRAINT projector_dead_letters_error_kind_check
        CHECK (error_kind IN ('decode', 'apply', 'attempts', 'blocked'));
