<?cs # Writing a message: new, answer, forward, or a draft to go on with.
     Every field comes back as it was when something is refused. ?>
<?cs set:Page.Title = Lang.compose.title ?>
<?cs set:Page.Nav = "compose" ?>
<?cs set:Page.Script = "compose.js" ?>
<?cs include:"header.cs" ?>
<section class="compose">
  <h1><?cs var:Lang.compose.title ?></h1>
<?cs if:Page.Done ?>
  <p class="notice" id="done" role="status"><?cs var:Lang.compose.done[Page.Done] ?></p>
<?cs /if ?>
<?cs if:Page.FormError ?>
  <p class="error" id="form-error" role="alert"><?cs var:Lang.compose.error[Page.FormError] ?><?cs if:Page.FormDetail ?>: <span id="form-detail"><?cs var:Page.FormDetail ?></span><?cs /if ?></p>
<?cs /if ?>
  <form method="post" action="<?cs var:Page.Base ?>/mail/compose" enctype="multipart/form-data" id="compose-form" data-attachments="<?cs var:Lang.compose.attachments ?>" data-autosaved="<?cs var:Lang.compose.autosaved ?>" data-failed="<?cs var:Lang.compose.error.unavailable ?>">
    <input type="hidden" name="_csrf" value="<?cs var:Session.Csrf ?>">
    <input type="hidden" name="irt" value="<?cs var:Compose.Irt ?>">
    <input type="hidden" name="refs" value="<?cs var:Compose.Refs ?>">
    <input type="hidden" name="ref" value="<?cs var:Compose.Ref ?>">
    <input type="hidden" name="src_f" value="<?cs var:Compose.SrcF ?>">
    <input type="hidden" name="src_uid" value="<?cs var:Compose.SrcUid ?>">
    <input type="hidden" name="draft" value="<?cs var:Compose.Draft ?>">
    <div class="field"><label for="c-from"><?cs var:Lang.compose.from ?></label>
      <select name="from" id="c-from">
<?cs each:i = Identities ?>        <option value="<?cs var:i.Addr ?>"<?cs if:i.Selected ?> selected<?cs /if ?>><?cs if:i.Name ?><?cs var:i.Name ?> &lt;<?cs var:i.Addr ?>&gt;<?cs else ?><?cs var:i.Addr ?><?cs /if ?></option>
<?cs /each ?>      </select></div>
    <div class="field"><label for="c-to"><?cs var:Lang.compose.to ?></label>
      <input name="to" id="c-to" value="<?cs var:Compose.To ?>" autocomplete="off" maxlength="20000"></div>
    <div class="field"><label for="c-cc"><?cs var:Lang.compose.cc ?></label>
      <input name="cc" id="c-cc" value="<?cs var:Compose.Cc ?>" autocomplete="off" maxlength="20000"></div>
    <div class="field"><label for="c-bcc"><?cs var:Lang.compose.bcc ?></label>
      <input name="bcc" id="c-bcc" value="<?cs var:Compose.Bcc ?>" autocomplete="off" maxlength="20000"></div>
    <div class="field"><label for="c-subject"><?cs var:Lang.compose.subject ?></label>
      <input name="subject" id="c-subject" value="<?cs var:Compose.Subject ?>" maxlength="998"></div>
    <textarea name="body" id="c-body" rows="18" aria-label="<?cs var:Lang.compose.body ?>"><?cs var:Compose.Body ?></textarea>
<?cs if:subcount(Attachments) > 0 || Compose.Whole ?>
    <fieldset class="kept" id="kept-attachments"><legend><?cs var:Lang.compose.attachments ?></legend>
<?cs if:Compose.Whole ?>      <label><input type="checkbox" name="whole" value="1" checked> <?cs var:Compose.WholeName ?></label>
<?cs /if ?><?cs each:a = Attachments ?>      <label><input type="checkbox" name="keep" value="<?cs var:a.No ?>"<?cs if:a.Kept ?> checked<?cs /if ?>> <?cs var:a.Name ?> (<?cs var:a.Size ?> B)</label>
<?cs /each ?>    </fieldset>
<?cs /if ?>
    <div class="field"><label for="c-attach"><?cs var:Lang.compose.attach ?></label>
      <input type="file" name="attach" id="c-attach" multiple></div>
    <fieldset class="schedule" id="c-schedule"><legend><?cs var:Lang.compose.schedule ?></legend>
      <input type="hidden" name="tz" id="c-tz" value="">
      <label><?cs var:Lang.compose.send_at ?> <input type="datetime-local" name="send_at" id="c-send-at" value="<?cs var:Compose.SendAt ?>"></label>
      <button type="submit" name="op" value="schedule" id="c-schedule-button"><?cs var:Lang.compose.schedule_button ?></button>
      <a href="<?cs var:Page.Base ?>/mail/scheduled" id="c-scheduled-link"><?cs var:Lang.scheduled.title ?></a>
    </fieldset>
    <progress id="c-progress" max="1" value="0" hidden></progress>
    <div class="actions">
      <button type="submit" name="op" value="send" id="c-send" class="primary"><?cs var:Lang.compose.send ?></button>
      <button type="submit" name="op" value="save" id="c-save"><?cs var:Lang.compose.save ?></button>
<?cs if:Compose.Draft ?>      <button type="submit" name="op" value="discard" id="c-discard" class="danger" formnovalidate><?cs var:Lang.compose.discard ?></button>
<?cs /if ?>      <span id="c-status" role="status"></span>
    </div>
  </form>
</section>
<?cs include:"footer.cs" ?>
