-- The head follows the log: writing an entry moves it in the same statement, so an append
-- is one INSERT once the writer holds the head (see jiceng-store's audit.rs).
CREATE FUNCTION audit_move_head() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE audit_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1;
    RETURN NULL;
END;
$$;
CREATE TRIGGER audit_log_moves_head AFTER INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_move_head();
