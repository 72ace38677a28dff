import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./control-plane/src/storage/sql/schema.ts",
  out: "./migrations",
});
