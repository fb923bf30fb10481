/**
 * The public contract's minimum schema (shared/docs/contract.md), kept verbatim here: the served
 * schema may add anything, but graphql-js must find no breaking change from the contract to it.
 * Also: the tooling-facing promises (descriptions everywhere, the contract's scalar names).
 */
import { buildSchema as buildSdl, findBreakingChanges, isEnumType, isInputObjectType, isInterfaceType, isObjectType, isScalarType, type GraphQLNamedType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildSchema } from '../../src/graphql/schema.js';

const CONTRACT_SDL = /* GraphQL */ `
  scalar DateTime
  scalar JSON
  enum Provider { FLOWKER PROMPTLAYER POLOS }
  enum ExecutionStatus { PENDING QUEUED RUNNING WAITING CANCELLING COMPLETED FAILED CANCELLED }
  enum StepStatus { PENDING QUEUED RUNNING COMPLETED FAILED SKIPPED CANCELLED }
  interface Node { id: ID! }
  type Execution implements Node {
    id: ID!
    provider: Provider!
    upstreamId: String!
    workflowId: String
    status: ExecutionStatus!
    upstreamStatus: String
    terminal: Boolean!
    createdAt: DateTime
    startedAt: DateTime
    completedAt: DateTime
    durationMs: Int
    progress: Progress
    input: JSON
    output: JSON
    error: ExecutionError
    retryCount: Int
    steps: [StepResult!]!
    nodes: [NodeResult!]!
    parent: Execution
    root: Execution
  }
  type Progress { completed: Int!, total: Int! }
  type ExecutionError { code: String, message: String! }
  type StepResult {
    number: Int
    name: String!
    nodeId: String
    status: StepStatus!
    output: JSON
    error: String
    startedAt: DateTime
    durationMs: Int
  }
  type NodeResult {
    name: String!
    status: StepStatus!
    upstreamStatus: String
    value: JSON
    error: String
    rawError: String
    isOutput: Boolean!
  }
  type Query {
    execution(id: ID!): Execution
    executions(ids: [ID!]!): [Execution]!
    node(id: ID!): Node
  }
  type Subscription {
    executionUpdated(id: ID!): Execution!
  }
`;

const served = buildSchema();

function ownTypes(): GraphQLNamedType[] {
  return Object.values(served.getTypeMap()).filter((type) => !type.name.startsWith('__') && !['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name));
}

describe('the served schema against the public contract', () => {
  it('has no breaking change from the contract', () => {
    expect(findBreakingChanges(buildSdl(CONTRACT_SDL), served)).toEqual([]);
  });

  it('names its scalars as the contract does, with the SDL descriptions (not the library defaults)', () => {
    const dateTime = served.getType('DateTime');
    expect(isScalarType(dateTime)).toBe(true);
    expect(dateTime?.description).toMatch(/RFC 3339/);
    expect(served.getType('DateTimeISO')).toBeUndefined();
    expect(served.getType('JSON')?.description).toMatch(/beyond 2\^53/);
  });

  it('serializes DateTime as an RFC 3339 string', () => {
    const dateTime = served.getType('DateTime');
    if (!isScalarType(dateTime)) throw new Error('DateTime is not a scalar');
    expect(dateTime.serialize(new Date('2026-03-17T14:35:00Z'))).toBe('2026-03-17T14:35:00.000Z');
    expect(() => dateTime.parseValue('not a date')).toThrow();
  });

  it('documents every type, field, argument and enum value (tooling shows them)', () => {
    const undocumented: string[] = [];
    const check = (path: string, description: string | null | undefined) => {
      if (!description?.trim()) undocumented.push(path);
    };
    for (const type of ownTypes()) {
      check(type.name, type.description);
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          check(`${type.name}.${field.name}`, field.description);
          for (const arg of 'args' in field ? field.args : []) check(`${type.name}.${field.name}(${arg.name})`, arg.description);
        }
      }
      if (isEnumType(type)) for (const value of type.getValues()) check(`${type.name}.${value.name}`, value.description);
    }
    expect(undocumented).toEqual([]);
  });
});
