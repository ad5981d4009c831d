// A server that answers every operation of the description with plausible but wrong responses:
// right status, right content type, right field names, wrong shapes. Each answer breaks the
// contract in one of the ways a real backend drifts: a boolean sent as a string, a string sent as
// a number, an object where an array belongs, a required field left out. `contract:live` pointed
// at it must fail and name each broken field.
//
// BROKEN lists, per operation and status, the JSON pointers it breaks, so the test can check that
// the report names every one of them.
import { randomUUID } from 'node:crypto';
import { bearerOf, header, isJsonContentType, serve } from './http.mjs';

export const BROKEN = {
  verifyIdFront: ['/data/isVerificationProcessCompleted', '/data/idFrontData/idNumber', '/services/Validations/validation_errors'],
  verifyIdBack: ['/data/idBackData/idExpiry', '/services/spoofing/fake'],
  verifyLiveness: ['/data/isDigitalIdentityVerified', '/services/liveness', '/services/AML/data'],
  linkUserWithExistingTransaction: ['/data/user/id', '/error_code'],
  getUserDigitalIdentityImages: ['/data/idFrontImage'],
  getStepImage: ['/data/image'],
  checkExistenceOfEmailOrPhone: ['/data/exists'],
  ocrIdFront: ['/data/idNumber'],
  ocrIdBack: ['/data/idExpiry', '/Services/spoofing/fake'],
  ocrLiveness: ['/data/isVerificationProcessCompleted'],
  getTransactionById: ['/data/transaction/isVerified', '/data/transactionItems/steps'],
  401: ['/error_message'],
  400: ['/error_message'],
  415: ['/error_code'],
  403: ['/error_message'],
};

const errorEnvelopes = {
  // A required field missing: ErrorEnvelope requires error_code and error_message.
  401: { data: null, error_code: 401 },
  // A required string sent as null.
  400: { data: null, error_code: 400, error_message: null },
  // The status as text, not a number or a numeric string.
  415: { data: null, error_code: 'Unsupported Media Type', error_message: 'Please re-check your image format.' },
  // A list where a string belongs.
  403: { data: null, error_code: 403, error_message: ['Forbidden'] },
};

/** @param {{ userToken: string }} options the user token, which admin operations refuse with 403 */
export async function startWrongServer({ userToken }) {
  const transactionId = randomUUID();
  /** @param {keyof typeof errorEnvelopes} status */
  const refuse = (status) => ({ status, body: errorEnvelopes[status] });
  return serve(async (request, url, text) => {
    const path = url.pathname.toLowerCase();
    if (!header(request, 'apikey')) return refuse(401);
    if (path.includes('getuserdigitalidentityimages') || path.includes('getstepimage') || path.includes('gettransactionbyid')) {
      // Admin operations refuse a user token, like the real service (but with a broken envelope).
      if (bearerOf(request) === userToken) return refuse(403);
    }
    if (request.method === 'POST') {
      if (!isJsonContentType(header(request, 'content-type'))) return refuse(415);
      try {
        JSON.parse(text);
      } catch {
        return refuse(400);
      }
    }
    if (request.method === 'GET' && path.endsWith('/getuserdigitalidentityimages') && !url.searchParams.get('emailOrPhoneNumber')) return refuse(400);
    if (request.method === 'GET' && path.endsWith('/getstepimage') && !url.searchParams.get('FileName')) return refuse(400);
    if (request.method === 'GET' && path.endsWith('/gettransactionbyid') && !url.searchParams.get('id')) return refuse(400);

    /** @param {Record<string, unknown>} body the members beside (or replacing) the empty envelope's */
    const ok = (body) => ({ status: 200, body: { error_code: null, error_message: null, error_descriptions: null, ...body } });
    switch (path) {
      case '/api/digitalidentity/verify/id/front':
        return ok({
          data: {
            isVerificationProcessCompleted: 'false',
            isDigitalIdentityVerified: false,
            idFrontData: { name: 'Mona Adel Mahmoud', idNumber: 29403070101234, transaction_id: transactionId },
          },
          services: { Validations: { validation_errors: {} }, spoofing: { fake: false } },
        });
      case '/api/digitalidentity/verify/id/back':
        return ok({
          data: { idBackData: { idExpiry: 20290109, idNumber: '29403070101234', transaction_id: transactionId } },
          services: { spoofing: { fake: 'false' } },
        });
      case '/api/digitalidentity/verify/liveness/multi':
        return ok({
          data: { isVerificationProcessCompleted: true, isDigitalIdentityVerified: 'true' },
          services: { liveness: 'true', AML: { AML_matched: false, data: {} } },
        });
      case '/api/digitalidentity/linkuserwithexistingtransaction':
        return ok({
          data: { isVerificationProcessCompleted: true, isDigitalIdentityVerified: true, user: { id: '20731' } },
          error_code: 'none',
        });
      case '/api/digitalidentity/getuserdigitalidentityimages':
        return ok({ data: { idFrontImage: { name: `${transactionId}_id_front.jpg` } } });
      case '/api/digitalidentity/getstepimage':
        return ok({ data: { image: ['/9j/4AAQSkZJRg=='] }, error_code: 0 });
      case '/api/digitalidentity/checkexistenceofemailorphone':
        return ok({ data: { exists: 'no' } });
      case '/v1/ocr/id/front':
        return ok({ data: { idNumber: 29403070101234, transaction_id: transactionId }, services: { spoofing: { fake: false } } });
      case '/v1/ocr/id/back':
        return ok({ data: { idExpiry: 20290109, transaction_id: transactionId }, Services: { spoofing: { fake: 'false' } } });
      case '/v1/ocr/liveness/multi':
        return ok({ data: { isVerificationProcessCompleted: 'true', isDigitalIdentityVerified: true, transaction_id: transactionId }, services: { liveness: true } });
      case '/api/transactions/gettransactionbyid':
        return ok({ data: { transaction: { id: transactionId, isVerified: 'true' }, transactionItems: { steps: {} } } });
      case '/api/credentials/login':
        return ok({ data: { accessToken: 'admin-token', expireInSeconds: '86400', refreshToken: 'rt_1' } });
      case '/api/credentials/refreshtoken':
        return ok({ data: { accessToken: 'admin-token', expireInSeconds: '86400' } });
      case '/api/digitalidentity/login':
        return ok({ data: { accessToken: 'user-token', isPhoneNumberConfirmed: 'yes' } });
      default:
        return ok({ data: { isDigitalIdentityVerified: 0 } });
    }
  });
}
