-- Objects are stored as JSON text (0002), so ledge_write takes the object's
-- text in two parts and puts the revision it assigns between them, as the
-- object's metadata.resourceVersion: the text is stored as the API sends it.
DROP FUNCTION IF EXISTS ledge_write(text, text, text, text, bigint, jsonb);
--> statement-breakpoint
-- Objects up to a page (most are 1-4 KB) are kept uncompressed, so a list
-- reads them without decompressing each (pglz cost PGlite ~70 ms per 10,000
-- pods); larger ones are still compressed and moved out of line.
ALTER TABLE "ledge_objects" SET (toast_tuple_target = 8160);
--> statement-breakpoint
-- Every write goes through this function: one round trip, and the whole write
-- happens while this transaction holds the ledge_state row lock. Writers are
-- serialised on that lock, so revisions commit in the order they are assigned
-- and no reader of the log can see revision N+1 and later discover N.
-- p_expected: the revision the object must have (NULL: any). p_head || revision
-- || p_tail is the object as written (for a delete, its last state). Errors:
-- LG404 not found, LG409 stale revision, 23505 already exists.
CREATE OR REPLACE FUNCTION ledge_write(
  p_op text, p_resource text, p_namespace text, p_name text, p_expected bigint, p_head text, p_tail text
) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  v_rev bigint;
  v_prev text;
  v_prev_rev bigint;
  v_data text;
BEGIN
  UPDATE ledge_state SET revision = revision + 1 WHERE id = 1 RETURNING revision INTO v_rev;
  v_data := p_head || v_rev::text || p_tail;
  IF p_op = 'create' THEN
    INSERT INTO ledge_objects (resource, namespace, name, revision, data)
      VALUES (p_resource, p_namespace, p_name, v_rev, v_data);
    INSERT INTO ledge_changes (revision, resource, namespace, name, type, data, prev)
      VALUES (v_rev, p_resource, p_namespace, p_name, 'ADDED', v_data, NULL);
  ELSE
    SELECT revision, data INTO v_prev_rev, v_prev FROM ledge_objects
      WHERE resource = p_resource AND namespace = p_namespace AND name = p_name;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'not found' USING ERRCODE = 'LG404';
    END IF;
    IF p_expected IS NOT NULL AND p_expected <> v_prev_rev THEN
      RAISE EXCEPTION 'stale revision % (stored %)', p_expected, v_prev_rev USING ERRCODE = 'LG409';
    END IF;
    IF p_op = 'update' THEN
      UPDATE ledge_objects SET revision = v_rev, data = v_data
        WHERE resource = p_resource AND namespace = p_namespace AND name = p_name;
      INSERT INTO ledge_changes (revision, resource, namespace, name, type, data, prev)
        VALUES (v_rev, p_resource, p_namespace, p_name, 'MODIFIED', v_data, v_prev);
    ELSIF p_op = 'delete' THEN
      DELETE FROM ledge_objects WHERE resource = p_resource AND namespace = p_namespace AND name = p_name;
      INSERT INTO ledge_changes (revision, resource, namespace, name, type, data, prev)
        VALUES (v_rev, p_resource, p_namespace, p_name, 'DELETED', v_data, v_prev);
    ELSE
      RAISE EXCEPTION 'unknown operation %', p_op;
    END IF;
  END IF;
  PERFORM pg_notify('ledge_changes', v_rev::text);
  RETURN v_rev;
END;
$$;
