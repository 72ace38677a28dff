import { expect, test } from "bun:test";
import { credentialsFromDockerConfig, credentialsFromPullSecrets, dockerConfigSecretData } from "./credentials.ts";
import { parseReference } from "./reference.ts";

const b64 = (s: string) => Buffer.from(s).toString("base64");
const config = {
  auths: {
    "https://index.docker.io/v1/": { auth: b64("hub:hubpw") },
    "reg.example:5000": { username: "any", password: "anypw" },
    "reg.example:5000/team": { auth: b64("team:teampw") },
    "http://plain.example": { auth: b64("plain:pw:with:colons") },
  },
};

test.each([
  ["busybox", "hub"],
  ["reg.example:5000/other/app", "any"],
  ["reg.example:5000/team/app", "team"],
  ["reg.example:5000/teamwork/app", "any"],
  ["plain.example/app", "plain"],
  ["elsewhere.example/app", undefined],
])("%s → %p", (image, username) => {
  expect(credentialsFromDockerConfig(config, parseReference(image))?.username).toBe(username as string);
});

test("passwords may contain colons", () => {
  expect(credentialsFromDockerConfig(config, parseReference("plain.example/x"))?.password).toBe("pw:with:colons");
});

test("pull secrets are tried in order and malformed ones are passed over", () => {
  const image = parseReference("127.0.0.1:5000/app");
  const secrets = [
    { type: "kubernetes.io/dockerconfigjson", data: { ".dockerconfigjson": b64("not json") } },
    { type: "kubernetes.io/dockercfg", data: { ".dockercfg": b64(JSON.stringify({ "127.0.0.1:5000": { auth: b64("old:cfg") } })) } },
    { type: "kubernetes.io/dockerconfigjson", data: dockerConfigSecretData("127.0.0.1:5000", { username: "new", password: "json" }) },
  ];
  expect(credentialsFromPullSecrets(secrets, image)).toEqual({ username: "old", password: "cfg" });
  expect(credentialsFromPullSecrets(secrets.slice(2), image)).toEqual({ username: "new", password: "json" });
});
