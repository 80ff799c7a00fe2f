import Retell from 'retell-sdk';
import { test, expect, uniqueEmail, PASSWORD } from './fixtures';
import type { APIRequestContext } from '@playwright/test';

// The official SDK, pointed at this server, with keys made the way a person
// makes them: through the dashboard's server functions.

async function account(request: APIRequestContext) {
  const response = await request.post('/api/auth/signup', {
    form: { 'input[email]': uniqueEmail('sdk'), 'input[password]': PASSWORD, 'input[organization]': 'SDK Org' },
  });
  expect(response.status()).toBe(200);
}

async function createKey(request: APIRequestContext, name: string, levels?: Record<string, string>) {
  const response = await request.post('/api/keys/create', {
    data: { input: { name, restricted: levels !== undefined, levels: levels ?? {} } },
  });
  expect(response.status()).toBe(200);
  const body = await response.json();
  return { id: body.id as number, secret: body.secret as string };
}

let baseURL = '';
test.beforeEach(({ baseURL: url }) => {
  baseURL = url!;
});
const client = (apiKey: string) => new Retell({ apiKey, baseURL, maxRetries: 0 });

test('an unrestricted key does a full agent round trip', async ({ request }) => {
  await account(request);
  const { secret } = await createKey(request, 'Full access');
  const retell = client(secret);

  const info = await retell.identity.retrieve();
  expect(info).toEqual({ api_key_name: 'Full access', org_name: 'SDK Org' });

  const agent = await retell.agent.create({
    response_engine: { type: 'retell-llm', llm_id: 'llm_234sdertfsdsfsdf' },
    voice_id: '11labs-Adrian',
    agent_name: 'Front desk',
  });
  expect(agent.agent_id).toMatch(/^agent_/);
  expect(agent.voice_id).toBe('11labs-Adrian');

  const fetched = await retell.agent.retrieve(agent.agent_id);
  expect(fetched.agent_name).toBe('Front desk');
  const updated = await retell.agent.update(agent.agent_id, { agent_name: 'Reception' });
  expect(updated.agent_name).toBe('Reception');
  const listed = await retell.agent.list();
  expect(listed.items.map((a) => a.agent_id)).toContain(agent.agent_id);
  await retell.agent.delete(agent.agent_id);
  await expect(retell.agent.retrieve(agent.agent_id)).rejects.toBeInstanceOf(Retell.NotFoundError);

  const voices = await retell.voice.list();
  expect(voices.length).toBeGreaterThan(0);
  expect((await retell.voice.retrieve(voices[0].voice_id)).voice_name).toBe(voices[0].voice_name);
  expect(await retell.knowledgeBase.list()).toEqual([]);

  const number = await retell.phoneNumber.create({ area_code: 415, nickname: 'Main line' });
  expect(number.phone_number).toMatch(/^\+1415555\d{4}$/);
  expect((await retell.phoneNumber.retrieve(number.phone_number)).nickname).toBe('Main line');
  expect((await retell.phoneNumber.update(number.phone_number, { nickname: 'Support' })).nickname).toBe('Support');
  expect((await retell.phoneNumber.list()).items.map((p) => p.phone_number)).toContain(number.phone_number);
  await retell.phoneNumber.delete(number.phone_number);

  const batch = await retell.batchCall.createBatchCall({
    from_number: '+14155550100',
    tasks: [{ to_number: '+14155550101' }, { to_number: '+14155550102' }],
  });
  expect(batch.total_task_count).toBe(2);
  expect((await retell.exportRequest.list()).items).toEqual([]);
});

test('test case definitions and call records through the SDK', async ({ request }) => {
  await account(request);
  const retell = client((await createKey(request, 'QA')).secret);
  const definition = await retell.tests.createTestCaseDefinition({
    name: 'Books an appointment',
    user_prompt: 'You want to book a cleaning next Tuesday.',
    metrics: ['appointment booked'],
    response_engine: { type: 'retell-llm', llm_id: 'llm_1' },
  });
  expect(definition.test_case_definition_id).toBeTruthy();
  const id = definition.test_case_definition_id;
  expect((await retell.tests.getTestCaseDefinition(id)).name).toBe('Books an appointment');
  const renamed = await retell.tests.updateTestCaseDefinition(id, { name: 'Books a cleaning' });
  expect(renamed.name).toBe('Books a cleaning');
  const listed = await retell.tests.listTestCaseDefinitions({ type: 'retell-llm', llm_id: 'llm_1' });
  expect(listed.items.map((d) => d.test_case_definition_id)).toContain(id);
  await retell.tests.deleteTestCaseDefinition(id);
  await expect(retell.tests.getTestCaseDefinition(id)).rejects.toBeInstanceOf(Retell.NotFoundError);

  const agent = await retell.agent.create({ response_engine: { type: 'retell-llm', llm_id: 'llm_1' }, voice_id: '11labs-Amy' });
  const call = await retell.call.createWebCall({ agent_id: agent.agent_id });
  const updated = await retell.call.update(call.call_id, { metadata: { ticket: 42 } });
  expect(updated.metadata).toEqual({ ticket: 42 });
  await retell.call.delete(call.call_id);
  await expect(retell.call.retrieve(call.call_id)).rejects.toBeInstanceOf(Retell.NotFoundError);
});

test('a History → Read key reads calls and is refused agent.create', async ({ request }) => {
  await account(request);
  const admin = client((await createKey(request, 'Admin')).secret);
  const agent = await admin.agent.create({ response_engine: { type: 'retell-llm', llm_id: 'llm_1' }, voice_id: '11labs-Amy' });
  const phoneCall = await admin.call.createPhoneCall({
    from_number: '+14155550100',
    to_number: '+14155550123',
    override_agent_id: agent.agent_id,
  });
  const webCall = await admin.call.createWebCall({ agent_id: agent.agent_id });
  expect(webCall.access_token).toBeTruthy();

  const reader = client((await createKey(request, 'History reader', { history: 'read' })).secret);
  const calls = await reader.call.list();
  expect(calls.items.map((c) => c.call_id).sort()).toEqual([phoneCall.call_id, webCall.call_id].sort());
  const fetched = await reader.call.retrieve(phoneCall.call_id);
  expect(fetched.call_type).toBe('phone_call');

  const refused = reader.agent.create({ response_engine: { type: 'retell-llm', llm_id: 'llm_1' }, voice_id: 'v' });
  await expect(refused).rejects.toBeInstanceOf(Retell.PermissionDeniedError);
  await expect(refused).rejects.toMatchObject({ status: 403 });
  await expect(reader.call.createPhoneCall({ from_number: '+14155550100', to_number: '+14155550124' })).rejects.toBeInstanceOf(
    Retell.PermissionDeniedError,
  );
  await expect(reader.call.update(phoneCall.call_id, { metadata: { a: 1 } })).rejects.toBeInstanceOf(Retell.PermissionDeniedError);
});

test('a deleted key gets AuthenticationError', async ({ request }) => {
  await account(request);
  const { id, secret } = await createKey(request, 'Short-lived');
  const retell = client(secret);
  await expect(retell.identity.retrieve()).resolves.toMatchObject({ api_key_name: 'Short-lived' });
  expect((await request.post('/api/keys/delete', { data: { id } })).status()).toBe(200);
  await expect(retell.identity.retrieve()).rejects.toBeInstanceOf(Retell.AuthenticationError);
  await expect(client('key_not_a_real_key').call.list()).rejects.toBeInstanceOf(Retell.AuthenticationError);
});

test('bad bodies are refused naming the field', async ({ request }) => {
  await account(request);
  const retell = client((await createKey(request, 'Validator')).secret);
  // @ts-expect-error: voice_id is required by the SDK's types too.
  const missing = retell.agent.create({ response_engine: { type: 'retell-llm', llm_id: 'llm_1' } });
  await expect(missing).rejects.toBeInstanceOf(Retell.UnprocessableEntityError);
  await expect(missing).rejects.toMatchObject({ error: { error: { field: 'voice_id' } } });
});
