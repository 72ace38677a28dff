-- Writes that arrive together are sent together: one round trip and one
-- transaction for a batch, instead of one each. The batch holds the
-- ledge_state row lock, as ledge_write does, and gives its writes
-- consecutive revisions in the order of the arrays, so commit order still
-- equals revision order. Each element is applied as ledge_write would apply
-- it alone, seeing the elements before it; one that fails (LG404 not found,
-- LG409 stale revision, 23505 already exists) returns its code in
-- out_error, writes nothing, and leaves the others alone. One NOTIFY carries
-- the batch's last revision.
CREATE OR REPLACE FUNCTION ledge_write_batch(
  p_ops text[], p_resources text[], p_namespaces text[], p_names text[], p_expected bigint[], p_heads text[], p_tails text[]
) RETURNS TABLE (out_revision bigint, out_error text) LANGUAGE plpgsql AS $$
DECLARE
  v_start bigint;
  v_rev bigint;
  v_prev text;
  v_prev_rev bigint;
  v_data text;
  i integer;
BEGIN
  SELECT s.revision INTO v_start FROM ledge_state s WHERE s.id = 1 FOR UPDATE;
  v_rev := v_start;
  FOR i IN 1 .. coalesce(array_length(p_ops, 1), 0) LOOP
    out_revision := NULL;
    out_error := NULL;
    IF p_ops[i] = 'create' THEN
      PERFORM 1 FROM ledge_objects o
        WHERE o.resource = p_resources[i] AND o.namespace = p_namespaces[i] AND o.name = p_names[i];
      IF FOUND THEN
        out_error := '23505';
      ELSE
        v_rev := v_rev + 1;
        v_data := p_heads[i] || v_rev::text || p_tails[i];
        INSERT INTO ledge_objects (resource, namespace, name, revision, data)
          VALUES (p_resources[i], p_namespaces[i], p_names[i], v_rev, v_data);
        INSERT INTO ledge_changes (revision, resource, namespace, name, type, data, prev)
          VALUES (v_rev, p_resources[i], p_namespaces[i], p_names[i], 'ADDED', v_data, NULL);
        out_revision := v_rev;
      END IF;
    ELSIF p_ops[i] = 'update' OR p_ops[i] = 'delete' THEN
      SELECT o.revision, o.data INTO v_prev_rev, v_prev FROM ledge_objects o
        WHERE o.resource = p_resources[i] AND o.namespace = p_namespaces[i] AND o.name = p_names[i];
      IF NOT FOUND THEN
        out_error := 'LG404';
      ELSIF p_expected[i] IS NOT NULL AND p_expected[i] <> v_prev_rev THEN
        out_error := 'LG409';
      ELSE
        v_rev := v_rev + 1;
        v_data := p_heads[i] || v_rev::text || p_tails[i];
        IF p_ops[i] = 'update' THEN
          UPDATE ledge_objects o SET revision = v_rev, data = v_data
            WHERE o.resource = p_resources[i] AND o.namespace = p_namespaces[i] AND o.name = p_names[i];
          INSERT INTO ledge_changes (revision, resource, namespace, name, type, data, prev)
            VALUES (v_rev, p_resources[i], p_namespaces[i], p_names[i], 'MODIFIED', v_data, v_prev);
        ELSE
          DELETE FROM ledge_objects o
            WHERE o.resource = p_resources[i] AND o.namespace = p_namespaces[i] AND o.name = p_names[i];
          INSERT INTO ledge_changes (revision, resource, namespace, name, type, data, prev)
            VALUES (v_rev, p_resources[i], p_namespaces[i], p_names[i], 'DELETED', v_data, v_prev);
        END IF;
        out_revision := v_rev;
      END IF;
    ELSE
      RAISE EXCEPTION 'unknown operation %', p_ops[i];
    END IF;
    RETURN NEXT;
  END LOOP;
  IF v_rev > v_start THEN
    UPDATE ledge_state s SET revision = v_rev WHERE s.id = 1;
    PERFORM pg_notify('ledge_changes', v_rev::text);
  END IF;
END;
$$;
