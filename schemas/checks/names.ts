// Kubernetes' name and identifier rules (apimachinery/pkg/util/validation).
// Each returns the violation messages Kubernetes prints, empty when valid.

const DNS1123_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const DNS1035_LABEL = "[a-z]([-a-z0-9]*[a-z0-9])?";
const QUALIFIED_NAME = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_VALUE = `(${QUALIFIED_NAME})?`;
const ENV_VAR_NAME = "[-._a-zA-Z][-._a-zA-Z0-9]*";
const CONFIG_KEY = "[-._a-zA-Z0-9]+";

const full = (pattern: string) => new RegExp(`^${pattern}$`);
const dns1123LabelRe = full(DNS1123_LABEL);
const dns1123SubdomainRe = full(DNS1123_SUBDOMAIN);
const dns1035LabelRe = full(DNS1035_LABEL);
const qualifiedNameRe = full(QUALIFIED_NAME);
const labelValueRe = full(LABEL_VALUE);
const envVarNameRe = full(ENV_VAR_NAME);
const configKeyRe = full(CONFIG_KEY);

export const DNS1123_LABEL_MAX = 63;
export const DNS1123_SUBDOMAIN_MAX = 253;

const maxLen = (max: number) => `must be no more than ${max} characters`;
const regexMessage = (what: string, pattern: string, examples: readonly string[]) =>
  `${what} (e.g. ${examples.map((e) => `'${e}'`).join(",  or ")}, regex used for validation is '${pattern}')`;

export function dns1123Label(value: string): string[] {
  const errors: string[] = [];
  if (value.length > DNS1123_LABEL_MAX) errors.push(maxLen(DNS1123_LABEL_MAX));
  if (!dns1123LabelRe.test(value)) {
    errors.push(regexMessage("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character", DNS1123_LABEL, ["my-name", "123-abc"]));
  }
  return errors;
}

export function dns1123Subdomain(value: string): string[] {
  const errors: string[] = [];
  if (value.length > DNS1123_SUBDOMAIN_MAX) errors.push(maxLen(DNS1123_SUBDOMAIN_MAX));
  if (!dns1123SubdomainRe.test(value)) {
    errors.push(regexMessage("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character", DNS1123_SUBDOMAIN, ["example.com"]));
  }
  return errors;
}

export function dns1035Label(value: string): string[] {
  const errors: string[] = [];
  if (value.length > DNS1123_LABEL_MAX) errors.push(maxLen(DNS1123_LABEL_MAX));
  if (!dns1035LabelRe.test(value)) {
    errors.push(regexMessage("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character", DNS1035_LABEL, ["my-name", "abc-123"]));
  }
  return errors;
}

/** Label and annotation keys, finalizers, condition types: [prefix/]name. */
export function qualifiedName(value: string): string[] {
  const parts = value.split("/");
  let name: string;
  const errors: string[] = [];
  if (parts.length === 1) {
    name = parts[0] ?? "";
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? "";
    name = parts[1] ?? "";
    if (prefix.length === 0) errors.push("prefix part must be non-empty");
    else errors.push(...dns1123Subdomain(prefix).map((m) => `prefix part ${m}`));
  } else {
    return [
      regexMessage("a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", QUALIFIED_NAME, ["MyName", "my.name", "123-abc"]) +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errors.push("name part must be non-empty");
  else if (name.length > DNS1123_LABEL_MAX) errors.push(`name part ${maxLen(DNS1123_LABEL_MAX)}`);
  if (name.length > 0 && !qualifiedNameRe.test(name)) {
    errors.push(regexMessage("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", QUALIFIED_NAME, ["MyName", "my.name", "123-abc"]));
  }
  return errors;
}

export function labelValue(value: string): string[] {
  const errors: string[] = [];
  if (value.length > DNS1123_LABEL_MAX) errors.push(maxLen(DNS1123_LABEL_MAX));
  if (!labelValueRe.test(value)) {
    errors.push(regexMessage("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", LABEL_VALUE, ["MyValue", "my_value", "12345"]));
  }
  return errors;
}

/** Named ports (IANA_SVC_NAME): at most 15 lower-case characters with a letter. */
export function ianaServiceName(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 15) errors.push("must be no more than 15 characters");
  if (!/^[-a-z0-9]+$/.test(value)) errors.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  if (value.includes("--")) errors.push("must not contain consecutive hyphens");
  if (!/[a-z]/.test(value)) errors.push("must contain at least one letter (a-z)");
  if (value.startsWith("-") || value.endsWith("-")) errors.push("must not begin or end with a hyphen");
  return errors;
}

export function envVarName(value: string): string[] {
  if (envVarNameRe.test(value)) return [];
  return [regexMessage("a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit", ENV_VAR_NAME, ["my.env-name", "MY_ENV.NAME", "MyEnvName1"])];
}

/** ConfigMap and Secret data keys. */
export function configMapKey(value: string): string[] {
  const errors: string[] = [];
  if (value.length > DNS1123_SUBDOMAIN_MAX) errors.push(maxLen(DNS1123_SUBDOMAIN_MAX));
  if (!configKeyRe.test(value)) errors.push(regexMessage("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", CONFIG_KEY, ["key.name", "KEY_NAME", "key-name"]));
  if (value === ".") errors.push("must not be '.'");
  else if (value === "..") errors.push("must not be '..'");
  else if (value.startsWith("..")) errors.push("must not start with '..'");
  return errors;
}

export function isPortNumber(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= 65535;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIP(value: string): boolean {
  if (IPV4.test(value)) return true;
  if (!value.includes(":")) return false;
  try {
    // URL parsing is the strictest IPv6 check at hand without a dependency.
    return new URL(`http://[${value}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}
