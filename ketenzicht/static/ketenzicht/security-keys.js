// After django-otp-webauthn's script has registered a security key, go on to the page named on its button
// (the recovery codes of a first key, or the list of keys). A static file: the content security policy
// allows no inline script.
document.addEventListener("otp_webauthn.register_complete", (event) => {
  const url = event.target instanceof HTMLElement ? event.target.dataset.kzDoneUrl : undefined;
  if (url) {
    window.location.assign(url);
  }
});
