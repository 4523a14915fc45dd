// A small third-party consumer of Street Level, typed only by the types openapi-typescript
// generates from the merged OpenAPI document. tests/contract/test_typescript_consumer.py
// generates those types into a temporary directory (mapped to "streetlevel-api") and
// checks this file with `tsc --noEmit --strict`: an untyped response (`unknown`) fails it.
import createClient, { type Client } from "openapi-fetch";
import type { paths } from "streetlevel-api";

// JSON and problem+json only: the change feed also answers text/event-stream, never asked for here.
type Media = "application/json" | "application/problem+json";
export type StreetLevel = Client<paths, Media>;

type Json<P extends keyof paths, M extends keyof paths[P], S extends number> = paths[P][M] extends {
  responses: { [K in S]: { content: { "application/json": infer T } } };
}
  ? T
  : never;

export type Enterprise = Json<"/v1/enterprises/{enterprise_id}", "get", 200>;
export type Commission = Json<"/v1/commissions", "post", 201>;
export type CommissionCreate = NonNullable<
  paths["/v1/commissions"]["post"]["requestBody"]
>["content"]["application/json"];

/** A client of the platform at baseUrl, anonymous or with a bearer token. */
export function connect(baseUrl: string, token?: string): StreetLevel {
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  return createClient<paths, Media>({ baseUrl, headers });
}

function fail(what: string, status: number, problem: { title?: string | null } | undefined): never {
  throw new Error(`${what}: ${status} ${problem?.title ?? ""}`);
}

/** The names of every public enterprise serving an area, following next_cursor page by page. */
export async function enterprisesServing(api: StreetLevel, area: string): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const { data, error, response } = await api.GET("/v1/enterprises", {
      params: { query: { area, limit: 50, cursor } },
    });
    if (data === undefined) return fail("list enterprises", response.status, error);
    for (const enterprise of data.items) names.push(enterprise.name);
    if (!data.next_cursor) return names;
    cursor = data.next_cursor;
  }
  throw new Error("more than 1000 pages");
}

/** One enterprise's public record. */
export async function enterprise(api: StreetLevel, id: string): Promise<Enterprise> {
  const { data, error, response } = await api.GET("/v1/enterprises/{enterprise_id}", {
    params: { path: { enterprise_id: id } },
  });
  if (data === undefined) return fail("get enterprise", response.status, error);
  const status: string = data.status;
  const served: string[] = data.areas_served;
  console.log(`${data.name} (${status}) serves ${served.join(", ")}`);
  return data;
}

/** Event types and positions of the change feed from a cursor, until an empty page. */
export async function changesSince(api: StreetLevel, cursor?: string): Promise<string[]> {
  const seen: string[] = [];
  let next = cursor;
  for (let pages = 0; pages < 1000; pages++) {
    const { data, error, response } = await api.GET("/v1/events", {
      params: { query: { cursor: next, limit: 100 } },
    });
    if (data === undefined) return fail("read the change feed", response.status, error);
    for (const event of data.items) seen.push(`${event.position} ${event.type} ${event.subject}`);
    if (data.items.length === 0 || !data.next_cursor) return seen;
    next = data.next_cursor;
  }
  return seen;
}

/** An access token by OAuth 2.0 client credentials (a form body, as RFC 6749 wants). */
export async function token(baseUrl: string, clientId: string, secret: string): Promise<string> {
  const { data, error, response } = await connect(baseUrl).POST("/oauth/token", {
    body: { grant_type: "client_credentials", client_id: clientId, client_secret: secret },
    bodySerializer: (body) => new URLSearchParams(body as Record<string, string>),
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
  });
  if (data === undefined) return fail("token", response.status, error);
  const bearer: string = data.access_token;
  return bearer;
}

/** A council drafts a commission; it answers with the draft. */
export async function draftCommission(
  api: StreetLevel,
  body: CommissionCreate,
): Promise<Commission> {
  const { data, error, response } = await api.POST("/v1/commissions", { body });
  if (data === undefined) return fail("create commission", response.status, error);
  const id: string = data.id;
  const status: string = data.status;
  console.log(`commission ${id} is ${status}`);
  return data;
}

/** Blackpool Council's first commission, as its procurement system would send it. */
export function youthEmployment(now: Date): CommissionCreate {
  const day = 24 * 3600 * 1000;
  const at = (ms: number): string => new Date(now.getTime() + ms).toISOString();
  return {
    title: "Youth employment support in Anchorsholme",
    description: "Street-level support into work for young people",
    need: "More 16-24 year olds in sustained work",
    themes: ["employment-skills", "youth"],
    procedure: "open",
    buyer_name: "Blackpool Council",
    lots: [
      {
        id: "lot-1",
        title: "Anchorsholme",
        description: "Helping 16-24 year olds in Anchorsholme ward into work",
        areas: ["E05015186"],
        value: { amount: "40000.00", currency: "GBP" },
        outcomes: [{ indicator_code: "jobs.local_hires", target: "30" }],
      },
    ],
    value: { amount: "40000.00", currency: "GBP" },
    timeline: {
      enquiry_end: at(10 * day),
      tender_end: at(14 * day),
      award_by: at(21 * day),
      contract_start: at(28 * day),
      contract_end: at(393 * day),
    },
    award_criteria: [
      { name: "price", weight: 40 },
      { name: "quality", weight: 40 },
      { name: "social_value", weight: 20 },
    ],
    payment: { model: "fixed" },
  };
}

/** The whole walk: paging, one record, the feed, a token and a draft commission. */
export async function main(baseUrl: string, clientId: string, secret: string): Promise<void> {
  const anonymous = connect(baseUrl);
  const names = await enterprisesServing(anonymous, "E06000009");
  console.log(`${names.length} enterprises serve Blackpool`);
  const feed = await changesSince(anonymous);
  console.log(`${feed.length} events in the change feed`);
  const council = connect(baseUrl, await token(baseUrl, clientId, secret));
  const draft = await draftCommission(council, youthEmployment(new Date()));
  if (draft.status !== "draft") throw new Error(`a new commission is ${draft.status}`);
}
