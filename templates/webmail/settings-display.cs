<?cs # Language, time zone, dates, the list, reading, and the skin. ?>
<?cs set:Page.Title = Lang.prefs.display.title ?>
<?cs set:Page.Nav = "settings" ?>
<?cs include:"header.cs" ?>
<section class="settings display">
  <p class="back"><a href="<?cs var:Page.Base ?>/settings"><?cs var:Lang.settings.back ?></a></p>
  <h1><?cs var:Lang.prefs.display.title ?></h1>
<?cs if:Page.FormError ?>
  <p class="error" id="form-error" role="alert"><?cs var:Lang.prefs.display.error[Page.FormError] ?></p>
<?cs elif:Page.Done ?>
  <p class="notice" id="done" role="status"><?cs var:Lang.settings.saved ?></p>
<?cs /if ?>
  <form method="post" action="<?cs var:Page.Base ?>/settings/display" id="display-form">
    <input type="hidden" name="_csrf" value="<?cs var:Session.Csrf ?>">
    <p><label><?cs var:Lang.prefs.display.language ?>
      <select name="language">
        <option value=""<?cs if:!Display.Language ?> selected<?cs /if ?>><?cs var:Lang.prefs.display.automatic ?></option>
        <option value="en_US"<?cs if:Display.Language == "en_US" ?> selected<?cs /if ?>>English</option>
        <option value="zh_CN"<?cs if:Display.Language == "zh_CN" ?> selected<?cs /if ?>>简体中文</option>
      </select></label></p>
    <p><label><?cs var:Lang.prefs.display.timezone ?>
      <select name="timezone">
        <option value=""<?cs if:!Display.Timezone ?> selected<?cs /if ?>><?cs var:Lang.prefs.display.server_zone ?></option>
<?cs each:z = Choices.Zones ?>        <option<?cs if:Display.Timezone == z ?> selected<?cs /if ?>><?cs var:z ?></option>
<?cs /each ?>      </select></label></p>
    <p><label><?cs var:Lang.prefs.display.date_format ?>
      <select name="date_format">
<?cs each:f = Choices.Formats ?>        <option value="<?cs var:f.Key ?>"<?cs if:Display.DateFormat == f.Key ?> selected<?cs /if ?>><?cs var:f.Example ?></option>
<?cs /each ?>      </select></label></p>
    <p><label><?cs var:Lang.prefs.display.page_size ?>
      <select name="page_size">
<?cs each:n = Lang.mail.sizes ?>        <option<?cs if:Display.PageSize == n ?> selected<?cs /if ?>><?cs var:n ?></option>
<?cs /each ?>      </select></label></p>
    <p><label><input type="checkbox" name="preview" value="1"<?cs if:Display.Preview ?> checked<?cs /if ?>> <?cs var:Lang.prefs.display.preview ?></label></p>
    <fieldset>
      <legend><?cs var:Lang.prefs.display.view ?></legend>
      <label><input type="radio" name="view" value="html"<?cs if:!Display.Plain ?> checked<?cs /if ?>> <?cs var:Lang.prefs.display.view_html ?></label>
      <label><input type="radio" name="view" value="plain"<?cs if:Display.Plain ?> checked<?cs /if ?>> <?cs var:Lang.prefs.display.view_plain ?></label>
    </fieldset>
    <p><label><input type="checkbox" name="remote_images" value="1"<?cs if:Display.RemoteImages ?> checked<?cs /if ?>> <?cs var:Lang.prefs.display.remote_images ?></label></p>
    <p><label><?cs var:Lang.prefs.display.skin ?>
      <select name="skin">
        <option value=""<?cs if:!Display.Skin ?> selected<?cs /if ?>><?cs var:Lang.prefs.display.domain_skin ?></option>
<?cs each:s = Choices.Skins ?>        <option value="<?cs var:s ?>"<?cs if:Display.Skin == s ?> selected<?cs /if ?>><?cs if:Lang.skin[s] ?><?cs var:Lang.skin[s] ?><?cs else ?><?cs var:s ?><?cs /if ?></option>
<?cs /each ?>      </select></label></p>
    <p><button type="submit"><?cs var:Lang.prefs.save ?></button></p>
  </form>
</section>
<?cs include:"footer.cs" ?>
