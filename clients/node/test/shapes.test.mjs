// index.d.ts names exactly the fields clients/api-shapes.json lists.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

const here = new URL(".", import.meta.url);
const shapes = JSON.parse(readFileSync(new URL("../../api-shapes.json", here), "utf8"));
const dts = readFileSync(new URL("../index.d.ts", here), "utf8");

// An interface's fields in order: those of the one it extends first, then its own.
function fields(name) {
  const body = dts.match(new RegExp(`export interface ${name} (?:extends (\\w+) )?\\{\\n([\\s\\S]*?)\\n\\}`));
  assert.ok(body, `interface ${name} in index.d.ts`);
  const own = [...body[2].matchAll(/^ {2}(\w+)\??:/gm)].map((m) => m[1]);
  return body[1] ? [...fields(body[1]), ...own] : own;
}

for (const name of ["Message", "MessageDetail", "Attempt", "Refusal", "ScenarioInfo", "Clock"]) {
  test(`${name} has the shared fields`, () => assert.deepEqual(fields(name), shapes.objects[name]));
}

test("Page has the shared fields", () => assert.deepEqual(fields("Page"), shapes.page_fields));
