import { describe, expect, test } from "bun:test";
import { configMapKey, dns1035Label, dns1123Label, dns1123Subdomain, envVarName, ianaServiceName, isIP, labelValue, qualifiedName } from "./names.ts";
import { quantityValue } from "./quantity.ts";

describe("name rules", () => {
  test.each<[string, (value: string) => string[], string, boolean]>([
    ["subdomain", dns1123Subdomain, "web.example-1", true],
    ["subdomain", dns1123Subdomain, "Web", false],
    ["subdomain", dns1123Subdomain, "-web", false],
    ["subdomain", dns1123Subdomain, "a".repeat(253), true],
    ["subdomain", dns1123Subdomain, "a".repeat(254), false],
    ["label", dns1123Label, "123-abc", true],
    ["label", dns1123Label, "a.b", false],
    ["label", dns1123Label, "a".repeat(64), false],
    ["dns1035", dns1035Label, "web-1", true],
    ["dns1035", dns1035Label, "1web", false],
    ["qualified", qualifiedName, "app.kubernetes.io/name", true],
    ["qualified", qualifiedName, "MyName", true],
    ["qualified", qualifiedName, "/name", false],
    ["qualified", qualifiedName, "a/b/c", false],
    ["qualified", qualifiedName, "Example.com/name", false],
    ["label value", labelValue, "", true],
    ["label value", labelValue, "v1.2_3", true],
    ["label value", labelValue, "a b", false],
    ["iana", ianaServiceName, "http", true],
    ["iana", ianaServiceName, "8080", false],
    ["iana", ianaServiceName, "my--port", false],
    ["iana", ianaServiceName, "a-very-long-port-name", false],
    ["env", envVarName, "MY_VAR.1", true],
    ["env", envVarName, "1VAR", false],
    ["config key", configMapKey, "nginx.conf", true],
    ["config key", configMapKey, "..data", false],
    ["config key", configMapKey, "a/b", false],
  ])("%s %p valid=%p", (_rule, check, value, valid) => {
    expect(check(value).length === 0).toBe(valid);
  });
});

describe("IP addresses", () => {
  test.each([
    ["10.0.0.1", true],
    ["10.0.0.256", false],
    ["fd00::1", true],
    ["::1", true],
    ["fd00:::1", false],
    ["example.com", false],
  ])("%s", (value, valid) => {
    expect(isIP(value)).toBe(valid);
  });
});

describe("quantities", () => {
  test.each<[string | number, number | undefined]>([
    ["100m", 0.1],
    ["1", 1],
    ["1.5", 1.5],
    ["64Mi", 64 * 2 ** 20],
    ["1G", 1e9],
    ["1e3", 1000],
    [2, 2],
    ["lots", undefined],
  ])("%p", (quantity, value) => {
    expect(quantityValue(quantity)).toBe(value);
  });
});
