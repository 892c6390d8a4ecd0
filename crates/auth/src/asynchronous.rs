//! The same handshake for tokio: what the chat server of chapter 8 runs on each
//! new connection before it lets the client in (with [`Handshake::WITH_VERDICT`],
//! so that its client knows the verdict before the chat's first frame).
//!
//! The whole handshake runs under [`tokio::time::timeout`] with
//! [`HANDSHAKE_TIMEOUT`]: a client that connects and sends nothing costs the
//! server one idle task for at most that long, and never blocks anybody else.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::handshake::verdict;
use crate::{
    AuthError, CHALLENGE_LEN, DIGEST_LEN, HANDSHAKE_TIMEOUT, Handshake, REFUSED, STATUS_LEN,
    Secret, Verdict, WELCOME, new_challenge,
};

/// Reads exactly `buf.len()` bytes; an early end of stream becomes `short`.
async fn read_exactly<S: AsyncRead + Unpin>(
    stream: &mut S,
    buf: &mut [u8],
    short: AuthError,
) -> Result<(), AuthError> {
    match stream.read_exact(buf).await {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::UnexpectedEof => Err(short),
        Err(error) => Err(error.into()),
    }
}

// ANCHOR: server
/// The server's side: send a fresh challenge, read the whole answer within
/// [`HANDSHAKE_TIMEOUT`] and verify it in constant time; with
/// [`Verdict::Announced`], then send `welcome\n` (`Ok`) or `refused\n`
/// ([`AuthError::Refused`]).
pub async fn server_handshake<S>(
    stream: &mut S,
    secret: &Secret,
    handshake: Handshake,
) -> Result<(), AuthError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let challenge = new_challenge()?;
    let mut buf = [0u8; DIGEST_LEN];
    let response = buf
        .get_mut(..handshake.digest.answer_len())
        .unwrap_or_default();
    let exchange = async {
        stream.write_all(&challenge).await?;
        stream.flush().await?;
        read_exactly(stream, response, AuthError::ShortAnswer).await?;
        Ok::<_, AuthError>(handshake.digest.verify(secret, &challenge, response))
    };
    let result = match tokio::time::timeout(HANDSHAKE_TIMEOUT, exchange).await {
        Ok(Ok(true)) => Ok(()),
        Ok(Ok(false)) => Err(AuthError::Refused),
        Ok(Err(error)) => Err(error),
        Err(_elapsed) => Err(AuthError::Timeout),
    };
    if handshake.verdict == Verdict::Silent {
        return result;
    }
    let status = if result.is_ok() { WELCOME } else { REFUSED };
    // The status line gets its own deadline: a client that is gone, or not
    // reading, must not hold the task.
    let sent = tokio::time::timeout(HANDSHAKE_TIMEOUT, async {
        stream.write_all(status).await?;
        stream.flush().await
    })
    .await;
    match (result, sent) {
        // A refusal stays a refusal even if the client did not hear it.
        (Err(error), _) => Err(error),
        (Ok(()), Ok(Ok(()))) => Ok(()),
        (Ok(()), Ok(Err(error))) => Err(error.into()),
        (Ok(()), Err(_elapsed)) => Err(AuthError::Timeout),
    }
}
// ANCHOR_END: server

/// The client's side: read the challenge and send the HMAC answer; with
/// [`Verdict::Announced`], read the verdict too. All within [`HANDSHAKE_TIMEOUT`].
pub async fn client_handshake<S>(
    stream: &mut S,
    secret: &Secret,
    handshake: Handshake,
) -> Result<(), AuthError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let exchange = async {
        let mut challenge = [0u8; CHALLENGE_LEN];
        read_exactly(stream, &mut challenge, AuthError::ShortChallenge).await?;
        stream
            .write_all(&handshake.digest.answer(secret, &challenge))
            .await?;
        stream.flush().await?;
        if handshake.verdict == Verdict::Silent {
            return Ok(());
        }
        // Read up to STATUS_LEN bytes: a server that simply closes (like the
        // course's server) is a refusal, not an error.
        let mut status = Vec::with_capacity(STATUS_LEN);
        (&mut *stream)
            .take(STATUS_LEN as u64)
            .read_to_end(&mut status)
            .await?;
        verdict(&status)
    };
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, exchange).await {
        Ok(result) => result,
        Err(_elapsed) => Err(AuthError::Timeout),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Digest, verify};
    use tokio::io::duplex;

    const VERDICT: Handshake = Handshake::WITH_VERDICT;

    fn secret(key: &[u8]) -> Secret {
        Secret::new(key.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn right_key_is_welcomed() {
        let (mut server_end, mut client_end) = duplex(1024);
        let server = tokio::spawn(async move {
            server_handshake(&mut server_end, &secret(b"alex-sb"), VERDICT).await
        });
        let client = client_handshake(&mut client_end, &secret(b"alex-sb"), VERDICT).await;
        assert!(client.is_ok());
        assert!(server.await.unwrap().is_ok());
    }

    #[tokio::test]
    async fn wrong_key_is_refused() {
        let (mut server_end, mut client_end) = duplex(1024);
        let server =
            tokio::spawn(
                async move { server_handshake(&mut server_end, &secret(b"a"), VERDICT).await },
            );
        let client = client_handshake(&mut client_end, &secret(b"b"), VERDICT).await;
        assert!(matches!(client, Err(AuthError::Refused)));
        assert!(matches!(server.await.unwrap(), Err(AuthError::Refused)));
    }

    #[tokio::test]
    async fn the_course_handshake_sends_no_verdict() {
        let md5 = Handshake {
            digest: Digest::Md5,
            verdict: Verdict::Silent,
        };
        let (mut server_end, mut client_end) = duplex(1024);
        let server = tokio::spawn(async move {
            let result = server_handshake(&mut server_end, &secret(b"k"), md5).await;
            server_end.write_all(b"after").await.unwrap();
            result
        });
        assert!(
            client_handshake(&mut client_end, &secret(b"k"), md5)
                .await
                .is_ok()
        );
        assert!(server.await.unwrap().is_ok());
        let mut next = [0u8; 5];
        client_end.read_exact(&mut next).await.unwrap();
        assert_eq!(&next, b"after", "no status line before the service");
    }

    #[tokio::test(start_paused = true)]
    async fn silent_client_times_out() {
        // With the clock paused, tokio jumps straight to the deadline: the test
        // checks the timeout without waiting ten real seconds.
        let (mut server_end, _client_end) = duplex(1024);
        let result = server_handshake(&mut server_end, &secret(b"k"), VERDICT).await;
        assert!(matches!(result, Err(AuthError::Timeout)));
    }

    #[tokio::test]
    async fn short_answer_then_close() {
        let (mut server_end, mut client_end) = duplex(1024);
        let server =
            tokio::spawn(
                async move { server_handshake(&mut server_end, &secret(b"k"), VERDICT).await },
            );
        let mut challenge = [0u8; CHALLENGE_LEN];
        client_end.read_exact(&mut challenge).await.unwrap();
        client_end.write_all(&[1, 2, 3]).await.unwrap();
        client_end.shutdown().await.unwrap();
        assert!(matches!(server.await.unwrap(), Err(AuthError::ShortAnswer)));
    }

    #[tokio::test]
    async fn async_client_and_blocking_answer_agree() {
        // The async client against a hand-written server that checks with `verify`.
        let (mut server_end, mut client_end) = duplex(1024);
        let server = tokio::spawn(async move {
            let challenge = [42u8; CHALLENGE_LEN];
            server_end.write_all(&challenge).await.unwrap();
            let mut response = [0u8; DIGEST_LEN];
            server_end.read_exact(&mut response).await.unwrap();
            let ok = verify(&secret(b"k"), &challenge, &response);
            server_end.write_all(WELCOME).await.unwrap();
            ok
        });
        assert!(
            client_handshake(&mut client_end, &secret(b"k"), VERDICT)
                .await
                .is_ok()
        );
        assert!(server.await.unwrap());
    }
}
