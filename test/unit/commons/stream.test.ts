import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { streamHandler } from '../../../functions/commons/stream.ts';
import { lambdaContext } from '../handlers/http-event.ts';

interface Note {
  id: string;
  text: string;
}

function change(eventName: 'INSERT' | 'MODIFY' | 'REMOVE', sequenceNumber: string, item: Record<string, unknown>): DynamoDBRecord {
  return {
    eventID: `event-${sequenceNumber}`,
    eventName,
    eventSource: 'aws:dynamodb',
    dynamodb: {
      Keys: marshall({ id: item.id }) as Record<string, AttributeValue>,
      ...(eventName !== 'REMOVE' && { NewImage: marshall(item) as Record<string, AttributeValue> }),
      SequenceNumber: sequenceNumber,
      StreamViewType: 'NEW_IMAGE',
    },
  };
}

const insert = (sequenceNumber: string, item: Record<string, unknown>) => change('INSERT', sequenceNumber, item);

/** Reads an item as a Note; anything without a string `text` is not one. */
function readNote(item: Record<string, unknown>): Note {
  if (typeof item.id !== 'string' || typeof item.text !== 'string') throw new Error('not a note');
  return { id: item.id, text: item.text };
}

/** A consumer that records what it was given and fails the notes whose ids are listed, answering them in the order listed. */
function consumer(failIds: readonly string[] = []) {
  const applied: Note[][] = [];
  const handler = streamHandler<Note>({
    read: readNote,
    apply: async (notes) => {
      applied.push([...notes]);
      return failIds.flatMap((id) => notes.filter((note) => note.id === id));
    },
  });
  return { applied, run: (...records: DynamoDBRecord[]) => handler({ Records: records }, lambdaContext('stream')) };
}

describe('streamHandler', () => {
  it('applies the inserted items, read, in stream order, and reports nothing when all are applied', async () => {
    const { applied, run } = consumer();

    const result = await run(insert('100', { id: 'a', text: 'one' }), insert('200', { id: 'b', text: 'two' }));

    expect(applied).toEqual([[{ id: 'a', text: 'one' }, { id: 'b', text: 'two' }]]);
    expect(result).toEqual({ batchItemFailures: [] });
  });

  it('skips modifications and removals', async () => {
    const { applied, run } = consumer();

    const result = await run(change('MODIFY', '100', { id: 'a', text: 'edited' }), change('REMOVE', '200', { id: 'b' }), insert('300', { id: 'c', text: 'new' }));

    expect(applied).toEqual([[{ id: 'c', text: 'new' }]]);
    expect(result).toEqual({ batchItemFailures: [] });
  });

  it('reports every record the consumer could not apply, and only those, in stream order', async () => {
    const { run } = consumer(['d', 'b']);

    const result = await run(
      insert('100', { id: 'a', text: 'one' }),
      insert('200', { id: 'b', text: 'two' }),
      insert('300', { id: 'c', text: 'three' }),
      insert('400', { id: 'd', text: 'four' }),
    );

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: '200' }, { itemIdentifier: '400' }] });
  });

  it('reports a record that cannot be read on its own, and applies the records around it', async () => {
    const { applied, run } = consumer();

    const result = await run(insert('100', { id: 'a', text: 'one' }), insert('200', { id: 'b', body: 'not a note' }), insert('300', { id: 'c', text: 'three' }));

    expect(applied).toEqual([[{ id: 'a', text: 'one' }, { id: 'c', text: 'three' }]]);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: '200' }] });
  });

  it('reports unreadable and unapplied records together, in stream order', async () => {
    const { run } = consumer(['a']);

    const result = await run(insert('100', { id: 'x', body: 'not a note' }), insert('200', { id: 'a', text: 'one' }), insert('300', { id: 'y', body: 'not a note' }));

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: '100' }, { itemIdentifier: '200' }, { itemIdentifier: '300' }] });
  });

  it('fails the whole batch when applying throws, so the event source mapping bisects it', async () => {
    const failure = new Error('the table is unavailable');
    const handler = streamHandler<Note>({
      read: readNote,
      apply: async () => {
        throw failure;
      },
    });

    await expect(handler({ Records: [insert('100', { id: 'a', text: 'one' })] }, lambdaContext('stream'))).rejects.toBe(failure);
  });
});
